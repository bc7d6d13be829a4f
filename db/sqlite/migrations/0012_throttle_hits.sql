CREATE TABLE `throttle_hits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bucket` text NOT NULL,
	`subject` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `throttle_hits_subject_idx` ON `throttle_hits` (`bucket`,`subject`,`at`);--> statement-breakpoint
CREATE INDEX `throttle_hits_at_idx` ON `throttle_hits` (`at`);