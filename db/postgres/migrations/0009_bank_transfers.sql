CREATE TABLE "bank_transfers" (
	"transfer_id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"direction" text NOT NULL,
	"amount" bigint NOT NULL,
	"refusal" text,
	"balance_after" bigint,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bank_accounts" ADD COLUMN "balance" bigint DEFAULT 100000000 NOT NULL;--> statement-breakpoint
ALTER TABLE "wallet_transactions" ADD COLUMN "transfer_id" text;--> statement-breakpoint
ALTER TABLE "wallet_transactions" ADD COLUMN "failure_code" text;--> statement-breakpoint
ALTER TABLE "wallets" ADD COLUMN "bank_card" text;--> statement-breakpoint
CREATE INDEX "bank_transfers_account_idx" ON "bank_transfers" USING btree ("account_id");