-- The sandbox outbox sealed at rest (SPEC §6): the recipient becomes a blind index and
-- `{recipient, text}` is sealed under PII_KEY (lib/outbox.ts). SQL cannot encrypt, so the rows in
-- clear are dropped with the old table rather than converted: the outbox is a sandbox tool
-- standing in for the SMS gateway, and nothing depends on its past messages.
DROP TABLE `outbox`;--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idem_key` text NOT NULL,
	`recipient_index` text NOT NULL,
	`channel` text NOT NULL,
	`template` text NOT NULL,
	`sealed` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idem_key_idx` ON `outbox` (`idem_key`);--> statement-breakpoint
CREATE INDEX `outbox_recipient_index_idx` ON `outbox` (`recipient_index`,`id`);
