CREATE TABLE `portrait_uses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`portrait_hash` text NOT NULL,
	`person_id` text NOT NULL,
	`application_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `portrait_uses_unique_idx` ON `portrait_uses` (`portrait_hash`,`person_id`,`application_id`);--> statement-breakpoint
CREATE INDEX `portrait_uses_person_idx` ON `portrait_uses` (`person_id`);--> statement-breakpoint
DROP TABLE `photo_uses`;