CREATE TABLE `bank_transfers` (
	`transfer_id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`direction` text NOT NULL,
	`amount` integer NOT NULL,
	`refusal` text,
	`balance_after` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bank_transfers_account_idx` ON `bank_transfers` (`account_id`);--> statement-breakpoint
ALTER TABLE `bank_accounts` ADD `balance` integer DEFAULT 100000000 NOT NULL;--> statement-breakpoint
ALTER TABLE `wallet_transactions` ADD `transfer_id` text;--> statement-breakpoint
ALTER TABLE `wallet_transactions` ADD `failure_code` text;--> statement-breakpoint
ALTER TABLE `wallets` ADD `bank_card` text;