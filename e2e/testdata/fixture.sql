-- The schema and rows every client suite reads, in PostgreSQL's dialect.
-- It is loaded into duckstore (one project) and into PostgreSQL 15 (one
-- database) through the PostgreSQL protocol, so both hold the same thing.
CREATE SCHEMA "in.c-sales";
CREATE SCHEMA "out.c-reports";
CREATE TABLE "in.c-sales".orders (
  id integer NOT NULL PRIMARY KEY,
  customer text NOT NULL,
  amount numeric(12,2),
  quantity smallint,
  big bigint,
  ratio double precision,
  score real,
  paid boolean,
  order_date date,
  order_time time,
  created_at timestamp,
  updated_at timestamptz,
  duration interval,
  uid uuid,
  payload json,
  raw bytea,
  tags text[],
  nums integer[]
);
INSERT INTO "in.c-sales".orders VALUES
  (1, 'Alice', 1234.50, 3, 9007199254740993, 0.1, 1.5, true, '2024-01-15', '13:45:30.5', '2024-01-15 13:45:30.123456', '2024-01-15 13:45:30.123456+00', '1 day 02:03:04', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2]}', '\xdeadbeef', ARRAY['x', 'y z'], ARRAY[1, 2, 3]),
  (2, 'Bob "B"', -0.01, NULL, -1, -2.5e-10, NULL, false, '1999-12-31', '00:00:00', '1999-12-31 23:59:59', '1999-12-31 23:59:59+00', '-3 mons', NULL, '[]', '\x', ARRAY[]::text[], NULL),
  (3, 'Čeněk, žluťoučký', NULL, 7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE "out.c-reports".daily (
  day date NOT NULL,
  region text NOT NULL,
  total numeric(14,2),
  PRIMARY KEY (day, region)
);
INSERT INTO "out.c-reports".daily VALUES ('2024-01-15', 'EU', 1234.50), ('2024-01-15', 'US', 0.00);
