-- Redrives: each attempt to get a stuck or lost order moving again (a person's, or the automatic
-- policy's), with who asked, which action of the process model it took and what the owning system
-- answered: the audit trail of the order's recovery. A request's idempotency key is unique per order,
-- so a retried request finds its first attempt instead of acting twice.
CREATE TABLE redrives (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL,
  state text NOT NULL,
  -- Where the action is named in the model ("handoff placed -> pricing", "state pricing") and what it does.
  source text NOT NULL,
  action text NOT NULL,
  idempotency_key text NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL,
  -- pending while the call runs; done or failed with the answer once it returned.
  result text NOT NULL CHECK (result IN ('pending', 'done', 'failed')),
  answer text NOT NULL DEFAULT '',
  UNIQUE (order_id, idempotency_key)
);
CREATE INDEX redrives_order_requested ON redrives (order_id, requested_at);
