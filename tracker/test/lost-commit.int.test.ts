import { Client } from 'pg';
import { InProcessBus } from '../../bus';
import { loadConfig, listen, type RunningServer } from '../../common';
import type { OrderEvent } from '../../events';
import { TRACKER_METRICS } from '../metric-names';
import { migrate, openPostgres, translateDbError, writerConnectionOptions, type Db, type Sql } from '../store';
import { createTracker, type Tracker } from '../tracker';
import { journey, metricValue, model, netHistogram, random, shuffled, staysHistogram, waitFor, type HistogramByState } from './fixtures';
import { createTestDatabase } from './postgres';

/*
 * A COMMIT whose outcome the tracker never learns, on a real PostgreSQL server, in both ways it can
 * end: the commit succeeded but its answer was lost (the client's socket cut once the server has
 * committed), or the server was terminated while committing (pg_terminate_backend) and rolled back.
 * Either way the tracker retries the batch, and what /metrics says about time in state must be
 * exactly the stored stays.
 */

const M = TRACKER_METRICS;
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const BOUNDS = model.durationBuckets();
/** The advisory lock that a deferred trigger takes at COMMIT, so that the test can hold a commit. */
const COMMIT_LOCK = 424_242;

/**
 * A {@link Db} on PostgreSQL that, like the real one (postgres-db.ts), runs each transaction on one
 * connection, and can lose the answer to the next COMMIT: it stops reading its socket, sends COMMIT,
 * waits until the server reports the transaction committed (pg_xact_status, from another
 * connection), then cuts the socket and terminates the backend. The caller gets the driver's
 * "Connection terminated" error, as when a network drops at that moment.
 */
function commitReplyLosingDb(url: string, real: Db, admin: Client): Db & { loseNextCommitReply(): void; readonly repliesLost: number } {
  let loseNext = false;
  let repliesLost = 0;
  const on = (client: Client): Sql => ({
    query: async (text, params) => {
      try {
        return (await client.query(text, params as unknown[] | undefined)).rows;
      } catch (err) {
        throw translateDbError(err, real.description);
      }
    },
    exec: async (script) => {
      await client.query(script);
    },
  });
  return {
    description: real.description,
    get repliesLost() {
      return repliesLost;
    },
    loseNextCommitReply: () => {
      loseNext = true;
    },
    query: (text, params) => real.query(text, params),
    exec: (script) => real.exec(script),
    close: () => real.close(),
    async transaction(fn) {
      const client = new Client({ connectionString: url, options: writerConnectionOptions() });
      // Errors of a connection the test cut reach the pending query; nothing else to report.
      client.on('error', () => undefined);
      await client.connect();
      const tx = on(client);
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        if (!loseNext) {
          await tx.query('COMMIT');
          return result;
        }
        loseNext = false;
        const [{ xid, pid }] = (await tx.query('SELECT pg_current_xact_id()::text AS xid, pg_backend_pid() AS pid')) as [{ xid: string; pid: number }];
        client.connection.stream.pause();
        const commit = tx.query('COMMIT');
        commit.catch(() => undefined);
        await waitFor('the server to commit', async () => (await admin.query('SELECT pg_xact_status($1::xid8) AS s', [xid])).rows[0].s === 'committed');
        client.connection.stream.destroy();
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        repliesLost += 1;
        await commit;
        throw new Error('the COMMIT answered although its connection was cut');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw translateDbError(err, real.description);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** Per state: observed minus retracted time in state, from a Prometheus text exposition. */
function netFromExposition(text: string): HistogramByState {
  const series = (name: string) => {
    const out: HistogramByState = {};
    const line = new RegExp(`^${name}_(bucket|sum|count)\\{([^}]*)\\} (\\S+)$`, 'gm');
    for (const [, kind, labels, value] of text.matchAll(line)) {
      const state = /state="([^"]*)"/.exec(labels!)![1]!;
      const e = (out[state] ??= { count: 0, sum: 0, buckets: {} });
      if (kind === 'bucket') e.buckets[/le="([^"]*)"/.exec(labels!)![1]!] = Number(value);
      else if (kind === 'sum') e.sum = Number(value);
      else e.count = Number(value);
    }
    return out;
  };
  return netHistogram(series(M.stateDuration.name), series(M.stateDurationRetracted.name));
}

/** Batches of 1 to 9 events of `orders` orders, shuffled, so that late events retract stays. */
function batchesOf(seed: number, prefix: string, orders: number): OrderEvent[][] {
  const rnd = random(seed);
  const events = shuffled(
    Array.from({ length: orders }, (_, i) => journey(`${prefix}-${i}`, T0 + i * 60_000, 9, rnd)).flat(),
    rnd,
  );
  const batches: OrderEvent[][] = [];
  for (let i = 0; i < events.length; ) {
    const size = 1 + Math.floor(rnd() * 9);
    batches.push(events.slice(i, i + size));
    i += size;
  }
  return batches;
}

describe('a COMMIT whose outcome is lost, on PostgreSQL', () => {
  let drop: () => Promise<void>;
  let url: string;
  let admin: Client;
  let real: Db;
  let db: ReturnType<typeof commitReplyLosingDb>;
  let bus: InProcessBus;
  let tracker: Tracker;
  let server: RunningServer;

  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
    admin = new Client({ connectionString: url });
    await admin.connect();
    real = openPostgres({ url, poolSize: 4 });
    await migrate(real);
    // Every apply inserts events: this trigger makes its COMMIT take an advisory lock, at once unless
    // the test holds the lock.
    await real.exec(`
      CREATE FUNCTION test_hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(${COMMIT_LOCK}); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER test_hold_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION test_hold_commit();`);
    db = commitReplyLosingDb(url, real, admin);
    bus = new InProcessBus();
    tracker = await createTracker({ config: loadConfig({ env: {}, overrides: { tracker: { sweepIntervalMs: 3_600_000 } } }), model, source: bus, store: db, instance: 'lost-commit' });
    await tracker.start();
    server = await listen(tracker.app, '127.0.0.1', 0);
  });

  afterAll(async () => {
    await server?.close();
    await bus?.close();
    await tracker?.close();
    await real?.close();
    await admin?.end();
    await drop?.();
  });

  const scraped = async () => netFromExposition(await (await fetch(`${server.url}/metrics`)).text());
  const applied = () => metricValue(tracker.registry, M.eventsApplied.name);
  const duplicates = () => metricValue(tracker.registry, M.duplicateEvents.name);

  it('when the commit succeeded but its answer was lost: the retry finds the events stored, and /metrics has their stays', async () => {
    const batches = batchesOf(1, 'a', 10);
    for (const batch of batches.slice(0, 6)) await bus.publish(batch);
    // A whole order, and the next two batches of the shuffle (among them events earlier than their
    // order's last one, which rewrite stays already observed).
    const batch = [...journey('a-lost', T0, 9, random(2)), ...batches.slice(6, 8).flat()];
    const before = { applied: await applied(), duplicates: await duplicates() };
    const closedStays = async () => Object.values(await staysHistogram(real, BOUNDS)).reduce((n, h) => n + h.count, 0);
    const closedBefore = await closedStays();

    db.loseNextCommitReply();
    await bus.publish(batch);

    expect(db.repliesLost).toBe(1);
    // The commit had gone through: the retry applied nothing and found every event already stored.
    expect({ applied: (await applied()) - before.applied, duplicates: (await duplicates()) - before.duplicates }).toEqual({ applied: 0, duplicates: batch.length });
    // The lost commit closed stays that the retry did not see change: observing only what the retry
    // reported (as the tracker did in memory before) would leave the histograms short of these.
    expect(await closedStays()).toBeGreaterThan(closedBefore);
    const stays = await staysHistogram(real, BOUNDS);
    expect(await scraped()).toEqual(stays);
  });

  it('when the server was terminated while committing: the commit rolled back, the retry applies the batch, and /metrics has its stays', async () => {
    const batches = batchesOf(3, 'b', 10);
    for (const batch of batches.slice(0, 6)) await bus.publish(batch);
    const batch = [...journey('b-lost', T0, 9, random(4)), ...batches.slice(6, 8).flat()];
    const before = { applied: await applied(), duplicates: await duplicates() };

    await admin.query('SELECT pg_advisory_lock($1)', [COMMIT_LOCK]);
    const published = bus.publish(batch);
    let held: { pid: number } | undefined;
    await waitFor('a COMMIT waiting for the advisory lock', async () => {
      [held] = (
        await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND query = 'COMMIT'`,
        )
      ).rows;
      return held !== undefined;
    });
    await admin.query('SELECT pg_terminate_backend($1)', [held!.pid]);
    await admin.query('SELECT pg_advisory_unlock($1)', [COMMIT_LOCK]);
    await published;

    // The terminated commit stored nothing: the retry applied every event of the batch.
    expect({ applied: (await applied()) - before.applied, duplicates: (await duplicates()) - before.duplicates }).toEqual({ applied: batch.length, duplicates: 0 });
    expect(await metricValue(tracker.registry, M.failures.name, { operation: 'apply_batch' })).toBe(0);
    expect(await scraped()).toEqual(await staysHistogram(real, BOUNDS));
  });
});
