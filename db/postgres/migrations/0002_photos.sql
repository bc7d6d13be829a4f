CREATE TABLE "photos" (
	"ref" text NOT NULL,
	"kind" text NOT NULL,
	"sealed" "bytea" NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "photos_ref_kind_pk" PRIMARY KEY("ref","kind")
);
