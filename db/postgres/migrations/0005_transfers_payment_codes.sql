CREATE TABLE "payment_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"wallet_id" text NOT NULL,
	"code_digest" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"charge_key" text,
	"transaction_id" text
);
--> statement-breakpoint
ALTER TABLE "wallet_notices" ADD COLUMN "params" jsonb;--> statement-breakpoint
ALTER TABLE "wallet_transactions" ADD COLUMN "counterparty_wallet_id" text;--> statement-breakpoint
ALTER TABLE "wallet_transactions" ADD COLUMN "reference" text;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_codes_digest_idx" ON "payment_codes" USING btree ("code_digest");--> statement-breakpoint
CREATE INDEX "payment_codes_wallet_idx" ON "payment_codes" USING btree ("wallet_id","used_at");