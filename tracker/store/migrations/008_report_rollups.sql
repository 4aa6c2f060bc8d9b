-- Report rollups (issue 18): the latency report reads whole UTC days from these two tables instead of
-- every stay and order of the period (tracker/report), and raw rows only for the partial days at the
-- edges of a period. They are kept in the apply transaction (tracker/rollups), so they always equal
-- what the views at the end of this file compute from the stays and orders tables; this migration
-- fills them from the data already stored.
--
-- A duration is kept as exact counts per logarithmic bucket (DDSketch's mapping, without its
-- collapsing): bucket k holds durations in (gamma^(k-1), gamma^k] seconds with gamma = (1+a)/(1-a),
-- a = 0.01, so the bucket's representative 2 gamma^k / (gamma + 1) is within 1 % of every duration in
-- it, and a quantile read from merged buckets is within 1 % of the exact one. Merging is a SUM, a late
-- event retracts with a negative count, and sums are whole microseconds (bigint): additions in any
-- order give exactly the same total, so a maintained rollup equals a rebuilt one to the last digit.

-- Trackers that predate this migration write stays and orders without keeping the rollups: during a
-- rolling upgrade (the StatefulSet replaces one pod at a time) the ones still running would leave the
-- rollups short for good. So from here on, every statement that writes stays or orders must come from
-- a connection that announces the schema its code knows (orderscope.writer_schema, which the
-- tracker's store sets on each connection: tracker/store/migrate.ts writerSchema) of 8 or more. Older
-- code is refused with SQLSTATE 57P03 ("cannot connect now"), which every tracker version treats as
-- transient: its batches stay on the bus until an upgraded tracker takes its partitions over. Created
-- before the backfill, in the same transaction: the triggers' lock waits for the writes under way,
-- and no old writer gets in between the backfill and the commit.
CREATE FUNCTION refuse_old_writers() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF coalesce(nullif(current_setting('orderscope.writer_schema', true), ''), '0')::integer < 8 THEN
    RAISE EXCEPTION 'this process predates migration 008 (report rollups) and may not write %; upgrade it: a newer tracker has migrated this database', TG_TABLE_NAME
      USING ERRCODE = '57P03';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER stays_writers BEFORE INSERT OR UPDATE OR DELETE ON stays FOR EACH STATEMENT EXECUTE FUNCTION refuse_old_writers();
CREATE TRIGGER orders_writers BEFORE INSERT OR UPDATE OR DELETE ON orders FOR EACH STATEMENT EXECUTE FUNCTION refuse_old_writers();

-- The one definition of the bucket of a duration, given in whole microseconds (so that every caller,
-- SQL or not, passes the same exact number). Below 1 us (zero: a stay entered and left at the same
-- instant) a bucket of its own, below every other (the smallest, 1 us, is bucket -690).
CREATE FUNCTION rollup_bucket(us bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN us < 1 THEN -1000 ELSE ceil(ln(us / 1e6::float8) / ln(1.01::float8 / 0.99::float8))::integer END $$;

-- A stored duration in seconds as whole microseconds: durations come from timestamps of microsecond
-- precision, so this is exact.
CREATE FUNCTION rollup_micros(seconds double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(seconds * 1e6)::bigint $$;

-- Closed stays per state, UTC day of left_at, the order's segment and operator (as on its orders row
-- now: when they change, the order's stays move with them) and bucket of duration_seconds.
-- (state, day) lead: the report reads one state's range of days at a time. Rows that fall to zero
-- (their stays retracted) are kept: the key space is bounded, and the next stay reuses them.
CREATE TABLE stay_rollups (
  state text NOT NULL,
  day date NOT NULL,
  segment text,
  operator_id text,
  bucket integer NOT NULL,
  stays bigint NOT NULL,
  micros bigint NOT NULL,
  CONSTRAINT stay_rollups_key UNIQUE NULLS NOT DISTINCT (state, day, segment, operator_id, bucket)
)
-- Room on each page for the row's next version: apply updates rows in place (HOT, no index entry).
WITH (fillfactor = 70);

-- Every order once, in the state it is in now, by the UTC day it entered it (state_since), with its
-- time since its first event (state_since - first_event_at): for an order in a terminal state, its
-- lead time. Kept for every state, not only the model's terminal ones, so that the rollup does not
-- depend on the model (which can change, and which this migration does not know): the report picks
-- the terminal states.
CREATE TABLE order_rollups (
  state text NOT NULL,
  day date NOT NULL,
  segment text,
  bucket integer NOT NULL,
  orders bigint NOT NULL,
  micros bigint NOT NULL,
  CONSTRAINT order_rollups_key UNIQUE NULLS NOT DISTINCT (state, day, segment, bucket)
)
WITH (fillfactor = 70);

-- The rollups as the stored rows make them: what the maintained tables must equal (the tests' oracle)
-- and what rebuild_report_rollups() fills them with.
CREATE VIEW stay_rollups_from_stays AS
SELECT s.state, (s.left_at AT TIME ZONE 'UTC')::date AS day, o.segment, o.operator_id, rollup_bucket(rollup_micros(s.duration_seconds)) AS bucket,
       count(*) AS stays, sum(rollup_micros(s.duration_seconds))::bigint AS micros
FROM stays s LEFT JOIN orders o ON o.order_id = s.order_id
GROUP BY 1, 2, 3, 4, 5;

-- Orders without a position (none is ever committed so) have none.
CREATE VIEW order_rollups_from_orders AS
SELECT state, (state_since AT TIME ZONE 'UTC')::date AS day, segment, rollup_bucket(us) AS bucket, count(*) AS orders, sum(us)::bigint AS micros
FROM (
  SELECT state, state_since, segment, (extract(epoch FROM state_since - first_event_at) * 1000000)::bigint AS us
  FROM orders WHERE state IS NOT NULL AND state_since IS NOT NULL AND first_event_at IS NOT NULL
) o
GROUP BY 1, 2, 3, 4;

-- Both rollups recomputed from the stored rows: the backfill of this migration, of a bulk load that
-- writes stays with SQL of its own (bench/report.ts), and a repair.
CREATE FUNCTION rebuild_report_rollups() RETURNS void
LANGUAGE sql
AS $$
  -- Trackers may be applying: the stored rows hold still while they are read, and the rollups are
  -- taken whole before they are emptied (row by row, the DELETE would deadlock with apply's upserts).
  LOCK TABLE stays, orders IN SHARE MODE;
  LOCK TABLE stay_rollups, order_rollups IN EXCLUSIVE MODE;
  DELETE FROM stay_rollups;
  INSERT INTO stay_rollups (state, day, segment, operator_id, bucket, stays, micros)
    SELECT state, day, segment, operator_id, bucket, stays, micros FROM stay_rollups_from_stays;
  DELETE FROM order_rollups;
  INSERT INTO order_rollups (state, day, segment, bucket, orders, micros)
    SELECT state, day, segment, bucket, orders, micros FROM order_rollups_from_orders;
$$;

SELECT rebuild_report_rollups();
