CREATE TABLE `applicant_logins` (
	`application_id` text PRIMARY KEY NOT NULL,
	`phone_index` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `applicant_logins_phone_idx` ON `applicant_logins` (`phone_index`,`created_at`);--> statement-breakpoint
CREATE TABLE `bank_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`card_index` text NOT NULL,
	`id_number_index` text NOT NULL,
	`sealed` text NOT NULL,
	`status` text NOT NULL,
	`real_name_verified` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_accounts_card_idx` ON `bank_accounts` (`card_index`);--> statement-breakpoint
CREATE INDEX `bank_accounts_id_number_idx` ON `bank_accounts` (`id_number_index`);--> statement-breakpoint
CREATE TABLE `card_uses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`card_index` text NOT NULL,
	`person_id` text NOT NULL,
	`application_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `card_uses_unique_idx` ON `card_uses` (`card_index`,`person_id`,`application_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idem_key` text NOT NULL,
	`recipient` text NOT NULL,
	`channel` text NOT NULL,
	`template` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idem_key_idx` ON `outbox` (`idem_key`);--> statement-breakpoint
CREATE INDEX `outbox_recipient_idx` ON `outbox` (`recipient`,`id`);--> statement-breakpoint
CREATE TABLE `person_claims` (
	`person_id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`kind` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `person_claims_application_idx` ON `person_claims` (`application_id`);--> statement-breakpoint
CREATE TABLE `person_keys` (
	`person_id` text PRIMARY KEY NOT NULL,
	`wrapped_key` text,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE TABLE `photo_uses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`photo_index` text NOT NULL,
	`person_id` text NOT NULL,
	`application_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `photo_uses_unique_idx` ON `photo_uses` (`photo_index`,`person_id`,`application_id`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`person_id` text NOT NULL,
	`tier` text NOT NULL,
	`status` text DEFAULT 'ACTIVE' NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`payment_password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_application_idx` ON `wallets` (`application_id`);--> statement-breakpoint
CREATE INDEX `wallets_person_idx` ON `wallets` (`person_id`);--> statement-breakpoint
CREATE TABLE `watchlist` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_key` text NOT NULL,
	`name` text NOT NULL,
	`birth_date` text,
	`source` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `watchlist_entry_key_idx` ON `watchlist` (`entry_key`);--> statement-breakpoint
ALTER TABLE `applications` ADD `risk_level` text;--> statement-breakpoint
ALTER TABLE `applications` ADD `review_due_at` integer;--> statement-breakpoint
ALTER TABLE `applications` ADD `review_snapshot` text;--> statement-breakpoint
ALTER TABLE `applications` ADD `person_id` text;--> statement-breakpoint
CREATE INDEX `applications_person_idx` ON `applications` (`person_id`);