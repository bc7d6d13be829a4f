CREATE TABLE "known_devices" (
	"person_id" text NOT NULL,
	"device_index" text NOT NULL,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "known_devices_person_id_device_index_pk" PRIMARY KEY("person_id","device_index")
);
--> statement-breakpoint
CREATE TABLE "session_revocations" (
	"person_id" text PRIMARY KEY NOT NULL,
	"revoked_at" timestamp (3) with time zone NOT NULL
);
