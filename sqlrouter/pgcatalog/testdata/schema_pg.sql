-- The test snapshot (catalog_test.go, testSnapshot) as PostgreSQL 15 would
-- hold it: every DuckDB type replaced by the PostgreSQL type engine.PGTypeOf
-- presents it as. Comparison tests load this into a real PostgreSQL 15.
CREATE SCHEMA "in.c-sales";
COMMENT ON SCHEMA "in.c-sales" IS 'Sales from the CRM';
CREATE SCHEMA "out.c-reports";
CREATE TABLE "in.c-sales"."orders" (
  "id" integer NOT NULL,
  "customer" text NOT NULL,
  "amount" numeric(12,2),
  "ordered_at" timestamp,
  "status" text DEFAULT 'new'::text,
  "tags" text[],
  PRIMARY KEY ("id")
);
COMMENT ON TABLE "in.c-sales"."orders" IS 'One row per order';
CREATE TABLE "in.c-sales"."order_lines" (
  "order_id" integer NOT NULL,
  "line_no" smallint NOT NULL,
  "product" text,
  "qty" integer DEFAULT 1,
  PRIMARY KEY ("order_id", "line_no")
);
CREATE TABLE "in.c-sales"."all_types" (
  "c_varchar" text NOT NULL,
  "c_boolean" boolean,
  "c_tinyint" smallint,
  "c_smallint" smallint,
  "c_integer" integer,
  "c_bigint" bigint,
  "c_hugeint" numeric,
  "c_utinyint" smallint,
  "c_usmallint" integer,
  "c_uinteger" bigint,
  "c_ubigint" numeric,
  "c_float" real,
  "c_double" double precision,
  "c_decimal" numeric(12,2),
  "c_date" date,
  "c_time" time,
  "c_timestamp" timestamp,
  "c_timestamptz" timestamptz,
  "c_interval" interval,
  "c_uuid" uuid,
  "c_json" json,
  "c_blob" bytea,
  "c_int_list" integer[],
  "c_varchar_list" text[],
  "c_decimal_list" numeric(12,2)[],
  "c_bigint_list" bigint[],
  PRIMARY KEY ("c_varchar")
);
CREATE TABLE "out.c-reports"."daily" (
  "day" date NOT NULL,
  "region" text NOT NULL,
  "revenue" double precision,
  PRIMARY KEY ("day", "region")
);
COMMENT ON TABLE "out.c-reports"."daily" IS 'Revenue per day and region';
CREATE TABLE "out.c-reports"."notes" (
  "note" text
);
