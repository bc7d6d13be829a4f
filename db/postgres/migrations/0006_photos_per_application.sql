-- Photos per application, sealed under the applicant's own key (SPEC §9). Rows written before
-- were sealed under the master key and name no application: nothing can read them any more.
DELETE FROM "photos";--> statement-breakpoint
ALTER TABLE "photos" DROP CONSTRAINT "photos_ref_kind_pk";--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "application_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_application_id_ref_kind_pk" PRIMARY KEY("application_id","ref","kind");
