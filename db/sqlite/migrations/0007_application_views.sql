ALTER TABLE `applications` ADD `view` text;--> statement-breakpoint
ALTER TABLE `applications` ADD `view_revision` integer;