CREATE TABLE `webhook_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`event_key` text NOT NULL,
	`kind` text NOT NULL,
	`subject_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`delivered_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_event_key_idx` ON `webhook_events` (`event_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_event_id_idx` ON `webhook_events` (`event_id`);--> statement-breakpoint
CREATE INDEX `webhook_events_due_idx` ON `webhook_events` (`delivered_at`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_subject_idx` ON `webhook_events` (`kind`,`subject_id`,`id`);