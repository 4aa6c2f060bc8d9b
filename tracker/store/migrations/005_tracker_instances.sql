-- Which process holds each tracker instance name (tracker/lease). A tracker exports the duration
-- histograms kept in histogram_totals under its instance name, and adds to them, only while it holds
-- the name's lease: two live processes given one name would otherwise both export (and both add to)
-- the same series. The holder renews expires_at on a timer; a process that died without giving the
-- lease up (SIGKILL, a lost node) simply lets it expire, and the next one takes it over.
--
-- (Numbered 005: 004 is taken on another branch; migrate.ts applies numbers in order and fills gaps.)
CREATE TABLE tracker_instances (
  instance text PRIMARY KEY,
  -- random per process: a restarted process is a new holder
  holder text NOT NULL,
  -- for the message that names who holds it
  host text NOT NULL,
  pid integer NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
