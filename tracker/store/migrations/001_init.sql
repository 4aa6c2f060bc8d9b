-- The tracker's state store. Events are the truth; orders and stays are derived from them and rebuilt
-- per order whenever an event of that order arrives (tracker/apply). Applied once, in a transaction,
-- by tracker/store/migrate.ts; never edit an applied migration: add the next numbered file.

-- Every event once (event_id is the idempotency key), as received, with its conformance to the model.
CREATE TABLE events (
  event_id uuid PRIMARY KEY,
  order_id text NOT NULL,
  source text NOT NULL,
  state text NOT NULL,
  occurred_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  trace_id text,
  span_id text,
  attributes jsonb NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now(),
  -- NULL when the event conforms to the process model, else unknown_state | disallowed_transition |
  -- after_terminal, with the reason in plain words. Recomputed whenever the order is rebuilt: a late
  -- event can make a move allowed after all, or break one that was.
  violation text,
  violation_detail text
);
-- An order's events in event-time order: the rebuild reads them, the timeline API lists them.
CREATE INDEX events_order_time ON events (order_id, occurred_at, seq, event_id);

-- Each order's current position: where it is, since when, and what the timeline needs to extend it
-- by later events without reading its history again (see OrderPosition). state and state_since are
-- NULL only inside the transaction that creates the row (inserted first to lock it, then filled in).
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  state text,
  state_since timestamptz,
  -- the system that owns the order in its current state
  system text,
  -- the event that started the current stay, and how many stays the order has had
  state_event_id uuid,
  stay_count integer NOT NULL DEFAULT 0,
  -- done once in a terminal state; stuck, lost and recovered belong to the deadline sweeper.
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'stuck', 'lost', 'recovered', 'done')),
  -- When the sweeper must look at the order next; NULL when there is nothing to wait for.
  next_deadline_at timestamptz,
  first_event_at timestamptz,
  -- the last event in event-time order (occurred_at, seq, event_id): later events extend the
  -- timeline from here, earlier ones make the tracker rebuild it from all events
  last_event_at timestamptz,
  last_event_seq bigint,
  last_event_id uuid,
  segment text,
  operator_id text,
  event_count integer NOT NULL DEFAULT 0,
  violation_count integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Lists by state, longest in the state first, and the per-state gauges (count, oldest).
CREATE INDEX orders_state ON orders (state, state_since, order_id);
-- Lists across states, longest in the state first.
CREATE INDEX orders_since ON orders (state_since, order_id);
-- The sweeper's work queue: cost grows with orders due, not orders open.
CREATE INDEX orders_deadline ON orders (next_deadline_at) WHERE next_deadline_at IS NOT NULL;

-- An order's closed stays, one row per stay in a state it has left, in order (seq_no from 0). The
-- stay it is in now is on its orders row (state, system, state_since, state_event_id; seq_no =
-- stay_count - 1), so that an event moving the order writes one new row here and updates none: in
-- event order this table only grows. A late event rewrites the stays it splits or moves.
CREATE TABLE stays (
  order_id text NOT NULL,
  seq_no integer NOT NULL,
  state text NOT NULL,
  system text NOT NULL,
  entered_at timestamptz NOT NULL,
  left_at timestamptz NOT NULL,
  duration_seconds double precision NOT NULL,
  entered_event_id uuid NOT NULL,
  PRIMARY KEY (order_id, seq_no)
);

-- What each tracker instance has put into the duration histograms so far, per series and bucket.
-- The histograms themselves follow the stays table: a closed stay of a model state is observed when it
-- first appears there and retracted (observed into the *_retracted_seconds twin) when a late event
-- rewrites it, in the apply transaction that changes the stay, so observed minus retracted is always
-- exactly the stored stays. These totals let a restarted instance (same `observer` name) continue
-- its series from where they were, instead of dropping to zero.
CREATE TABLE histogram_totals (
  observer text NOT NULL,
  metric text NOT NULL,
  state text NOT NULL,
  -- the bucket's upper bound, 'Infinity' for +Inf
  le double precision NOT NULL,
  count bigint NOT NULL,
  sum double precision NOT NULL,
  PRIMARY KEY (observer, metric, state, le)
);
