CREATE TABLE `wallet_notices` (
	`key` text PRIMARY KEY NOT NULL,
	`wallet_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`relayed_at` integer
);
--> statement-breakpoint
CREATE INDEX `wallet_notices_due_idx` ON `wallet_notices` (`relayed_at`,`next_attempt_at`);