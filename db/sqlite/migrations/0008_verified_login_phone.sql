DROP INDEX `applicant_logins_phone_idx`;--> statement-breakpoint
ALTER TABLE `applicant_logins` ADD `phone_verified_at` integer;--> statement-breakpoint
CREATE INDEX `applicant_logins_phone_idx` ON `applicant_logins` (`phone_index`,`phone_verified_at`);--> statement-breakpoint
-- Applications already past the phone step proved their phone before this column existed.
UPDATE `applicant_logins` SET `phone_verified_at` = `created_at` WHERE `application_id` IN (SELECT `id` FROM `applications` WHERE `status` NOT IN ('AWAITING_PHONE_VERIFICATION', 'FAILED', 'CANCELLED'));
