-- Lost-order detection (tracker/detection): every status change of an order, and the index that the
-- lists of stuck, lost and recovered orders (and the stuck gauge) read. The deadline index the sweeper
-- reads, orders_deadline, is in 001.

-- Every status change the detector made: open/recovered -> stuck -> lost when a deadline passed (the
-- sweeper), stuck/lost -> recovered (or done) when a later event moved the order on (apply). Never
-- updated; the API shows an order's history from it and /v1/lost its last loss.
CREATE TABLE status_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id text NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  -- the state the order was in when it was flagged (for a recovery: the state it had been flagged in)
  state text NOT NULL,
  -- expect_within (stuck), lost_after or handoff_missed (lost), moved_on (recovered or done)
  reason text NOT NULL,
  -- the missed handoff's next state when reason = handoff_missed: the handoff is state -> handoff_to
  handoff_to text,
  -- the limit that was passed, state_since + limit; NULL for a recovery. at - deadline_at is how late
  -- the detector was.
  deadline_at timestamptz,
  -- wall-clock time of the change
  at timestamptz NOT NULL,
  -- the trace of the order's last event, to follow the order into the system that lost it
  trace_id text
);
-- One order's history in order; the last loss of each order for /v1/lost.
CREATE INDEX status_changes_order ON status_changes (order_id, at, id);

-- Orders that are stuck, lost or recovered: few among the open ones. Lists by status, longest in their
-- state first, and the stuck count per state, read only these rows.
CREATE INDEX orders_flagged ON orders (status, state_since, order_id) INCLUDE (state) WHERE status IN ('stuck', 'lost', 'recovered');

-- Orders stored before this migration have no deadline (apply did not set one yet): make every one
-- that is not done due now, so that the sweeper gives it its status and its next deadline from the
-- process model, in batches, at the tracker's first sweep. A no-op on a new database.
UPDATE orders SET next_deadline_at = state_since WHERE next_deadline_at IS NULL AND status <> 'done' AND state_since IS NOT NULL;
