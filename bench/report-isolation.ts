import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../common/test/free-port';
import { migrate, openPglite, rebuildReportRollups } from '../tracker';
import { embeddedToken } from '../cli/embedded';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { quantile } from './support/quantile';

const DAY_MS = 86_400_000;
/** The default model's main path: each seeded order has one closed stay in each, then is shipped. */
const PATH = ['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced'];

/** The arguments it takes, for `npm run bench -- report-isolation --help` and for a wrong argument. */
export const usage = 'report-isolation [--orders N] [--seconds S] [--rate R]';

/**
 * `npm run bench -- report-isolation` (its arguments: `usage` below): does a year-long report
 * stall ingest in embedded mode? `orderscope up` runs in a child process on a data directory seeded
 * with N orders (default 50,000, 8 stays each) spread over the last 365 days. This process is only a
 * client: it posts batches of 10 events to the collector at R requests per second (default 50) for S
 * seconds (default 20) and records each request's latency, first alone (the baseline), then while
 * year-long latency reports run one after another against the tracker. Prints the p50 and p99 of
 * both and the ratio of the p99s. The event times come from this process's clock at the start.
 */
export async function run(args: string[]): Promise<void> {
  const orders = flag(args, '--orders', 50_000);
  const seconds = flag(args, '--seconds', 20);
  const rate = flag(args, '--rate', 50);
  const now = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-bench-isolation-'));
  let up: ChildProcess | undefined;
  try {
    console.log(`report-isolation bench: ${orders.toLocaleString('en-US')} orders over the year before ${new Date(now).toISOString()} in ${dataDir}`);
    await seedYear(path.join(dataDir, 'pgdata'), orders, now);
    const token = embeddedToken(dataDir).value;
    const [collectorPort, trackerPort] = (await freePorts(2)) as [number, number];
    up = spawn(process.execPath, [path.join(__dirname, '../cli/main.js'), 'up', '--data-dir', dataDir, '--collector-port', String(collectorPort), '--tracker-port', String(trackerPort)], {
      env: { ...process.env, ORDERSCOPE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const collector = `http://127.0.0.1:${collectorPort}`;
    const tracker = `http://127.0.0.1:${trackerPort}`;
    await untilReady([`${collector}/readyz`, `${tracker}/readyz`]);

    const ingest = (label: string) => ingestFor({ collector, token, seconds, rate, label, at: now });
    await ingest('warm-up');
    const alone = await ingest('alone');

    const from = new Date(now - 365 * DAY_MS).toISOString().slice(0, 10);
    const reportUrl = `${tracker}/v1/reports/latency?from=${from}&to=${new Date(now).toISOString().slice(0, 10)}`;
    const reports: number[] = [];
    let reporting = true;
    const reportLoop = (async () => {
      while (reporting) {
        const begin = performance.now();
        const response = await fetch(reportUrl, { headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`the year-long report answered ${response.status}`);
        reports.push(performance.now() - begin);
      }
    })();
    const withReport = await ingest('beside reports');
    reporting = false;
    await reportLoop;

    printFigures(
      `report-isolation: collector ingest (10 events per request, ${rate}/s for ${seconds} s) in embedded mode, ${orders.toLocaleString('en-US')} orders in the year`,
      [
        { label: 'ingest p99 beside year-long reports', value: quantile(withReport, 0.99), unit: 'ms' },
        { label: 'baseline, ingest p99 alone', value: quantile(alone, 0.99), unit: 'ms' },
        { label: 'ingest p50 beside reports', value: quantile(withReport, 0.5), unit: 'ms' },
        { label: 'ingest p50 alone', value: quantile(alone, 0.5), unit: 'ms' },
        { label: `year-long reports during the run (${reports.length}), median`, value: quantile(reports, 0.5), unit: 'ms' },
      ],
      { label: 'ingest p99 beside reports / alone', value: quantile(withReport, 0.99) / quantile(alone, 0.99) },
    );
  } finally {
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up!.once('exit', resolve));
      up.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Orders as the tracker would have left them: `orders` shipped orders started evenly over the 365
 * days before `now`, each with a closed stay in every state of the main path (durations spread up
 * to 6 hours), a segment and an operator, and the report rollups of them. Written with
 * generate_series before `up` opens the directory.
 */
async function seedYear(pgdata: string, orders: number, now: number): Promise<void> {
  const db = await openPglite(pgdata);
  try {
    await migrate(db);
    const yearStart = new Date(now - 365 * DAY_MS).toISOString();
    const start = `$1::timestamptz + (o * (364 * 86400.0 / $2::int)) * interval '1 second'`;
    await db.query(
      `INSERT INTO stays (order_id, seq_no, state, system, entered_at, left_at, duration_seconds, entered_event_id)
       SELECT 'y-' || o, s, (ARRAY['${PATH.join("','")}'])[s + 1], 'mes', ${start} + s * interval '6 hours',
              ${start} + s * interval '6 hours' + d * interval '1 second', d, gen_random_uuid()
       FROM (SELECT o, s, round((power(random(), 3) * 21599)::numeric, 6)::float8 AS d
             FROM generate_series(0, $2::int - 1) AS o, generate_series(0, ${PATH.length - 1}) AS s) g`,
      [yearStart, orders],
    );
    await db.query(
      `INSERT INTO orders (order_id, state, state_since, system, stay_count, status, first_event_at, last_event_at, last_event_seq, segment, operator_id, event_count)
       SELECT 'y-' || o, 'shipped', ${start} + interval '48 hours', 'mes', ${PATH.length + 1}, 'done', ${start}, ${start} + interval '48 hours',
              ${PATH.length}, CASE WHEN o % 3 = 0 THEN 'b2b' ELSE 'b2c' END, 'op-' || (o % 7), ${PATH.length + 1}
       FROM generate_series(0, $2::int - 1) AS o`,
      [yearStart, orders],
    );
    // Written past apply: the report rollups are filled as migration 008 fills them from existing data.
    await rebuildReportRollups(db);
    await db.exec('VACUUM ANALYZE');
  } finally {
    await db.close();
  }
}

/** Posts a batch of 10 new orders' first events every 1/rate s for `seconds`; the latency of each request, in ms. */
async function ingestFor(o: { collector: string; token: string; seconds: number; rate: number; label: string; at: number }): Promise<number[]> {
  const latencies: number[] = [];
  const failures: unknown[] = [];
  const inFlight = new Set<Promise<void>>();
  const total = o.seconds * o.rate;
  const occurredAt = new Date(o.at).toISOString();
  const post = async () => {
    const events = Array.from({ length: 10 }, () => ({ schema_version: 1, event_id: randomUUID(), order_id: `i-${randomUUID()}`, source: 'shop', state: 'placed', occurred_at: occurredAt }));
    const begin = performance.now();
    const response = await fetch(`${o.collector}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`the collector answered ${response.status} (${o.label})`);
    latencies.push(performance.now() - begin);
  };
  // Open loop: requests leave on schedule whether or not earlier ones were answered, as clients'
  // requests do; a stalled server shows as latency, not as fewer samples.
  const begin = performance.now();
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = post().catch((err: unknown) => void failures.push(err));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  if (failures.length > 0) throw new Error(`${failures.length} of ${total} requests failed (${o.label}); the first: ${String(failures[0])}`);
  return latencies;
}

async function untilReady(urls: string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ready = await Promise.all(urls.map((url) => fetch(url).then((r) => r.ok, () => false)));
    if (ready.every(Boolean)) return;
    if (attempt > 600) throw new Error(`orderscope up did not become ready: ${urls.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

