-- Dead letters: what the tracker could not apply for a reason another attempt cannot fix (a value the
-- database refuses, a broken constraint, a bus message that is not an order event). Each is set aside
-- here so that its batch and its partition move on; an operator retries it after a fix, or drops it.
CREATE TABLE dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- What makes it the same letter when it fails again (a redelivered batch, a retry): "event:<event_id>"
  -- for an event, "<topic>/<partition>@<offset>" for a message that is not one.
  letter_key text NOT NULL UNIQUE,
  -- Exactly the bytes received: bytea holds what text cannot (NUL, invalid UTF-8).
  raw bytea NOT NULL,
  -- Known when the message was an order event.
  event_id uuid,
  order_id text,
  -- not_json | invalid_event | data_exception | constraint_violation | apply_failed
  reason text NOT NULL,
  -- The last error, in words (with the SQLSTATE when the database refused it).
  error text NOT NULL,
  -- Where it came from: {"topic", "partition", "offset"} or {"publisher": "in-process"}.
  origin jsonb NOT NULL,
  -- parked (waiting for an operator) -> retried (applied after a fix) | dropped (discarded on purpose).
  -- A retry that fails again keeps it parked.
  status text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'retried', 'dropped')),
  attempts integer NOT NULL DEFAULT 1,
  first_failed_at timestamptz NOT NULL,
  last_failed_at timestamptz NOT NULL,
  -- Who retried or dropped it (the API token's name), and when.
  resolved_by text,
  resolved_at timestamptz
);
-- The operator's list: newest first within a status, by reason; and the parked count per reason.
CREATE INDEX dead_letters_by_status ON dead_letters (status, id DESC);
