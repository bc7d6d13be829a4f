CREATE TABLE `temporal_subjects` (
	`workflow_id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `temporal_subjects_person_idx` ON `temporal_subjects` (`person_id`);--> statement-breakpoint
ALTER TABLE `wallets` ADD `owner_phone` text;