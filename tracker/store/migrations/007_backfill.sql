-- Backfill without false alarms. An order whose newest event arrived long after it occurred (an
-- import, a replay, a drained backlog) is history: its limits are judged against its source's event
-- time, not the wall clock. Such an order has clock_source set and its next limit in
-- history_deadline_at (next_deadline_at, the wall clock's, stays NULL), so the wall-clock sweep never
-- meets it; source_clocks holds, per source, the newest event time its history has reached.
ALTER TABLE orders ADD COLUMN clock_source text;
ALTER TABLE orders ADD COLUMN history_deadline_at timestamptz;
CREATE INDEX orders_history_deadline ON orders (clock_source, history_deadline_at) WHERE history_deadline_at IS NOT NULL;

CREATE TABLE source_clocks (
  source text PRIMARY KEY,
  watermark timestamptz NOT NULL
);

-- A flag raised in event time while history was applied: recorded at its event time, never paged.
ALTER TABLE status_changes ADD COLUMN backfill boolean NOT NULL DEFAULT false;
