CREATE TABLE `wallet_transactions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`wallet_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`merchant_id` text,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallet_transactions_id_idx` ON `wallet_transactions` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `wallet_transactions_idem_idx` ON `wallet_transactions` (`wallet_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `wallet_transactions_wallet_type_time_idx` ON `wallet_transactions` (`wallet_id`,`type`,`created_at`);--> statement-breakpoint
CREATE INDEX `wallet_transactions_wallet_seq_idx` ON `wallet_transactions` (`wallet_id`,`seq`);--> statement-breakpoint
ALTER TABLE `wallets` ADD `payment_password_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `wallets` ADD `payment_password_locked_until` integer;--> statement-breakpoint
ALTER TABLE `wallets` ADD `frozen_reason` text;--> statement-breakpoint
ALTER TABLE `wallets` ADD `frozen_at` integer;