-- Latency reports (tracker/report) read one period of history: closed stays per state by when they
-- ended, and stuck and lost flags by when the detector raised them. Without these indexes every report
-- reads the whole history; with them its cost follows the period. (Open stays and finished orders are
-- found through orders_state of 001.)
--
-- (state, left_at) rather than (left_at): the report aggregates each state over its own range, which
-- needs no sort of the whole period by state. duration_seconds and order_id are included so that
-- those ranges are read from the index alone (the operator view joins each stay to its order: that
-- section is a fifth faster for it on a 10-million-stay week, bench/report.ts).
CREATE INDEX stays_state_left_at ON stays (state, left_at) INCLUDE (duration_seconds, order_id);
CREATE INDEX status_changes_flagged_at ON status_changes (at) WHERE to_status IN ('stuck', 'lost');
