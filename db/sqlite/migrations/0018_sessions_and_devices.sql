CREATE TABLE `known_devices` (
	`person_id` text NOT NULL,
	`device_index` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	PRIMARY KEY(`person_id`, `device_index`)
);
--> statement-breakpoint
CREATE TABLE `session_revocations` (
	`person_id` text PRIMARY KEY NOT NULL,
	`revoked_at` integer NOT NULL
);
