CREATE TABLE `case_claims` (
	`application_id` text PRIMARY KEY NOT NULL,
	`reviewer` text NOT NULL,
	`claimed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `staff_accounts` (
	`username` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`failed_sign_ins` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`disabled_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `staff_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`recipient` text NOT NULL,
	`template` text NOT NULL,
	`application_id` text,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`delivered_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_notifications_key_idx` ON `staff_notifications` (`key`);--> statement-breakpoint
CREATE INDEX `staff_notifications_recipient_idx` ON `staff_notifications` (`recipient`,`id`);--> statement-breakpoint
CREATE INDEX `staff_notifications_due_idx` ON `staff_notifications` (`delivered_at`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `staff_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `staff_sessions_username_idx` ON `staff_sessions` (`username`);