CREATE TABLE `payment_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`wallet_id` text NOT NULL,
	`code_digest` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`charge_key` text,
	`transaction_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_codes_digest_idx` ON `payment_codes` (`code_digest`);--> statement-breakpoint
CREATE INDEX `payment_codes_wallet_idx` ON `payment_codes` (`wallet_id`,`used_at`);--> statement-breakpoint
ALTER TABLE `wallet_notices` ADD `params` text;--> statement-breakpoint
ALTER TABLE `wallet_transactions` ADD `counterparty_wallet_id` text;--> statement-breakpoint
ALTER TABLE `wallet_transactions` ADD `reference` text;