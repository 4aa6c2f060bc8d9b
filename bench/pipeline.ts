import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, silentLogger } from '../common';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../events';
import { freePort, freePorts } from '../common/test/free-port';
import { runDriver } from '../pipeline';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { startCliProcesses, stopAll, type CliProcess, type CliProcessSpec } from './support/cli-processes';
import { adminQuery, withDatabase } from './support/database';
import { createVhost } from './support/rabbitmq-vhost';
import { quantile } from './support/quantile';
import { pause } from './support/pause';

/**
 * `npm run bench -- pipeline` (its arguments: `usage` below):
 * the re-architected pipeline against the one it replaced, under the same customer load, on this
 * machine's real PostgreSQL, RabbitMQ and Redis, each tracked by orderscope (`orderscope up`).
 *
 * - re-architected: W mes-worker processes pricing on threads with the Redis price cache, the MES API
 *   in a process of its own, a database per service;
 * - legacy (the `legacy` toggle): one consumer pricing one order at a time on its event loop, no
 *   cache, the MES API's routes served by that same process, the shop and the CRM on one database.
 *
 * Customers place N orders at R per second from a catalogue of P parts (so most parts repeat), B2B
 * and B2C; operators confirm and the shop floor produces, as `orderscope pipeline driver` does. While
 * it runs, a probe reads the MES dashboard (`GET /production`) every 100 ms. Printed side by side:
 * orders per second from placed to quoted, the time from order to quote (the services' own journals),
 * the dashboard's p99, the operators' shares, and the tracker's view: time in pricing, stuck and lost
 * orders, and the state where orders wait longest (the bottleneck, as an SRE reads it off the report).
 */

/** The CRM's operators: weights 2:1:1, capacity enough for the whole run (fairness, not capacity, is measured). */
const OPERATORS = 'ana:2:1000,ben:1:1000,cem:1:1000';
const PROBE_INTERVAL_MS = 100;
/** The model `orderscope up` tracks the pipeline with: its handoffs say what a waiting order waits on. */
const MODEL = loadModelFile(DEFAULT_MODEL_PATH);
const NO_PROGRESS_MS = 180_000;

interface Profile {
  readonly name: 're-architected' | 'legacy';
  readonly legacy: boolean;
}

interface Outcome {
  readonly profile: Profile['name'];
  readonly quotedPerSecond: number;
  readonly quoteP50Seconds: number;
  readonly quoteP99Seconds: number;
  readonly dashboardP99Ms: number;
  readonly dashboardRequests: number;
  readonly shares: Record<string, number>;
  readonly pricingP50Seconds: number | null;
  readonly pricingP99Seconds: number | null;
  readonly stuck: number;
  readonly lost: number;
  /** States by p99 time in state, longest first: [state, system, p99 seconds]. */
  readonly slowest: [string, string | null, number][];
}

interface Settings {
  readonly orders: number;
  readonly rate: number;
  readonly parts: number;
  readonly pricingIterations: number;
  readonly workers: number;
  readonly pgUrl: string;
  readonly adminUrl: string;
}

/** The arguments it takes, for `npm run bench -- pipeline --help` and for a wrong argument. */
export const usage = 'pipeline [--orders N] [--rate R] [--parts P] [--pricing-iterations I] [--workers W]';

export async function run(args: string[]): Promise<void> {
  const config = loadConfig();
  const settings: Settings = {
    orders: flag(args, '--orders', 300),
    rate: flag(args, '--rate', 5),
    parts: flag(args, '--parts', 100),
    pricingIterations: flag(args, '--pricing-iterations', 200_000),
    workers: flag(args, '--workers', 2),
    pgUrl: config.postgres.url,
    adminUrl: withDatabase(config.postgres.url, 'postgres'),
  };
  console.log(
    `pipeline bench: ${settings.orders} orders at ${settings.rate}/s from ${settings.parts} parts, ${settings.pricingIterations.toLocaleString('en-US')} SHA-256 rounds per cost analysis; ` +
      `re-architected with ${settings.workers} pricing workers, against legacy`,
  );
  const outcomes: Outcome[] = [];
  for (const profile of [{ name: 're-architected', legacy: false }, { name: 'legacy', legacy: true }] as const) outcomes.push(await runProfile(profile, settings));
  report(outcomes[0]!, outcomes[1]!);
}

async function runProfile(profile: Profile, s: Settings): Promise<Outcome> {
  const runId = randomBytes(4).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), `orderscope-bench-pipeline-${profile.name}-`));
  const name = (what: string) => `orderscope_bench_${runId}_${what}`;
  // The legacy shop and CRM share a database, each in a schema of its own (their tables share names).
  const shared = profile.legacy ? name('shop_crm') : undefined;
  const databases = shared ? [shared, name('mes')] : [name('shop'), name('crm'), name('mes')];
  for (const db of databases) await adminQuery(s.adminUrl, `CREATE DATABASE ${db}`);
  if (shared) for (const schema of ['shop', 'crm']) await adminQuery(withDatabase(s.pgUrl, shared), `CREATE SCHEMA ${schema}`);
  const url = (service: 'shop' | 'crm' | 'mes') =>
    service === 'mes' || !shared ? withDatabase(s.pgUrl, name(service)) : `${withDatabase(s.pgUrl, shared)}?options=${encodeURIComponent(`-c search_path=${service}`)}`;
  const vhost = await createVhost('orderscope-bench');
  const running: CliProcess[] = [];
  const clients: Client[] = [];
  try {
    // orderscope itself, embedded: what the services' agents report to, and the tracker's view.
    const [collectorPort, trackerPort] = (await freePorts(2)) as [number, number];
    running.push(
      ...(await startCliProcesses([
        { name: 'orderscope up', port: trackerPort, args: ['up', '--data-dir', path.join(dir, 'orderscope'), '--collector-port', String(collectorPort), '--tracker-port', String(trackerPort), '--no-generated'], env: { ORDERSCOPE_LOG_LEVEL: 'warn' } },
      ])),
    );
    const token = readFileSync(path.join(dir, 'orderscope', 'token'), 'utf8').trim();
    const service = async (name: string, args: string[]): Promise<CliProcessSpec> => {
      const port = await freePort();
      const [kind, ...rest] = args;
      return {
        name,
        port,
        env: { ORDERSCOPE_TOKEN: token },
        args: ['pipeline', kind!, '--instance', name, '--port', String(port), '--collector-url', `http://127.0.0.1:${collectorPort}`, '--spool-dir', path.join(dir, 'spool', name), '--log-level', 'warn', ...rest],
      };
    };
    const amqp = ['--amqp-url', vhost.url];
    const legacy = profile.legacy ? ['--toggle', 'legacy=true'] : [];
    const worker = (i: number) => service(`mes-worker-${i}`, ['mes-worker', ...amqp, '--database-url', url('mes'), '--concurrency', '1', '--pricing-iterations', String(s.pricingIterations), ...legacy]);
    const specs = [
      await service('shop', ['shop', ...amqp, '--database-url', url('shop')]),
      await service('crm', ['crm', ...amqp, '--database-url', url('crm'), '--operator', OPERATORS]),
      ...(profile.legacy ? [await worker(1)] : [await service('mes-api', ['mes-api', ...amqp, '--database-url', url('mes')]), ...(await Promise.all(Array.from({ length: s.workers }, (_, i) => worker(i + 1))))]),
    ];
    const services = await startCliProcesses(specs);
    running.push(...services);
    const urlOf = (name: string) => services.find((p) => p.name === name)!.url;
    // The legacy MES serves its dashboard from the consuming process.
    const mesApi = urlOf(profile.legacy ? 'mes-worker-1' : 'mes-api');

    const [shopDb, crmDb, mesDb] = [url('shop'), url('crm'), url('mes')].map((u) => new Client({ connectionString: u }));
    clients.push(shopDb!, crmDb!, mesDb!);
    await Promise.all(clients.map((c) => c.connect()));

    const began = Date.now();
    const driver = runDriver({ urls: { shop: urlOf('shop'), crm: urlOf('crm'), mesApi }, rate: s.rate, orders: s.orders, parts: s.parts, logger: silentLogger() });
    const probe = probeDashboard(`${mesApi}/production?state=queued&limit=50`);
    try {
      await waitForQuotes(mesDb!, s.orders, services, profile.name);
    } finally {
      probe.stop();
      await driver.stop();
    }
    const latencies = await quoteLatencies(shopDb!, mesDb!);
    const quotedTimes = latencies.map((l) => l.quotedAt);
    const tracker = await trackerView(`http://127.0.0.1:${trackerPort}`, token, began, s.orders);
    const shares = await operatorShares(crmDb!);
    return {
      profile: profile.name,
      quotedPerSecond: latencies.length / ((Math.max(...quotedTimes) - Math.min(...latencies.map((l) => l.placedAt))) / 1000),
      quoteP50Seconds: quantile(latencies.map((l) => (l.quotedAt - l.placedAt) / 1000), 0.5),
      quoteP99Seconds: quantile(latencies.map((l) => (l.quotedAt - l.placedAt) / 1000), 0.99),
      dashboardP99Ms: quantile(probe.latencies, 0.99),
      dashboardRequests: probe.latencies.length,
      shares,
      ...tracker,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await stopAll(running);
    rmSync(dir, { recursive: true, force: true });
    for (const db of databases) await adminQuery(s.adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await vhost.drop();
  }
}

/** Reads the dashboard every PROBE_INTERVAL_MS, one request at a time, recording each answer's time. */
function probeDashboard(url: string): { latencies: number[]; stop: () => void } {
  const latencies: number[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const start = performance.now();
      const ok = await fetch(url).then((r) => r.ok, () => false);
      if (ok) latencies.push(performance.now() - start);
      await pause(PROBE_INTERVAL_MS);
    }
  })();
  return { latencies, stop: () => void (stopped = true) };
}

async function waitForQuotes(mes: Client, orders: number, services: readonly CliProcess[], profile: string): Promise<void> {
  const bar = new SingleBar({ format: `  ${profile.padEnd(14)} [{bar}] {value}/{total} quoted`, hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  bar.start(orders, 0);
  try {
    for (let last = -1, lastChange = Date.now(); ; ) {
      const exited = services.find((p) => p.child.exitCode !== null);
      if (exited) throw new Error(`${profile}: ${exited.name} exited with code ${exited.child.exitCode}`);
      const { rows } = await mes.query<{ n: number }>(`SELECT count(*)::int AS n FROM state_changes WHERE state = 'quoted'`);
      const quoted = rows[0]!.n;
      bar.update(Math.min(quoted, orders));
      if (quoted >= orders) return;
      if (quoted !== last) [last, lastChange] = [quoted, Date.now()];
      if (Date.now() - lastChange > NO_PROGRESS_MS) throw new Error(`${profile}: no order quoted for ${NO_PROGRESS_MS / 1000} s, at ${quoted} of ${orders}`);
      await pause(200);
    }
  } finally {
    bar.stop();
  }
}

/** Each order's placed time (the shop's journal) and quoted time (the MES's), in epoch ms. */
async function quoteLatencies(shop: Client, mes: Client): Promise<{ placedAt: number; quotedAt: number }[]> {
  const placed = new Map((await shop.query<{ order_id: string; at: Date }>(`SELECT order_id, changed_at AS at FROM state_changes WHERE state = 'placed'`)).rows.map((r) => [r.order_id, r.at.getTime()]));
  const quoted = (await mes.query<{ order_id: string; at: Date }>(`SELECT order_id, changed_at AS at FROM state_changes WHERE state = 'quoted'`)).rows;
  return quoted.filter((q) => placed.has(q.order_id)).map((q) => ({ placedAt: placed.get(q.order_id)!, quotedAt: q.at.getTime() }));
}

async function operatorShares(crm: Client): Promise<Record<string, number>> {
  const { rows } = await crm.query<{ operator_id: string; n: number }>(`SELECT operator_id, count(*)::int AS n FROM orders WHERE operator_id IS NOT NULL GROUP BY operator_id ORDER BY operator_id`);
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  return Object.fromEntries(rows.map((r) => [r.operator_id, r.n / total]));
}

interface ReportState {
  state: string;
  system: string | null;
  stays: number;
  open_stays: number;
  p50_seconds: number | null;
  p99_seconds: number | null;
}

/** The tracker's latency report of the run, once it has applied every order's pricing stay. */
async function trackerView(trackerUrl: string, token: string, began: number, orders: number): Promise<Pick<Outcome, 'pricingP50Seconds' | 'pricingP99Seconds' | 'stuck' | 'lost' | 'slowest'>> {
  const from = new Date(began - 60_000).toISOString();
  for (let tries = 0; ; tries++) {
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await fetch(`${trackerUrl}/v1/reports/latency?format=json&from=${from}&to=${to}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`the tracker's report answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { summary: { orders_stuck: number; orders_lost: number }; states: ReportState[] };
    const pricing = body.states.find((st) => st.state === 'pricing');
    if ((pricing && pricing.stays - pricing.open_stays >= orders) || tries >= 150) {
      const slowest = body.states
        .filter((st) => st.p99_seconds !== null)
        .sort((a, b) => b.p99_seconds! - a.p99_seconds!)
        .slice(0, 3)
        .map((st): [string, string | null, number] => [st.state, st.system, st.p99_seconds!]);
      return { pricingP50Seconds: pricing?.p50_seconds ?? null, pricingP99Seconds: pricing?.p99_seconds ?? null, stuck: body.summary.orders_stuck, lost: body.summary.orders_lost, slowest };
    }
    await pause(200);
  }
}


function report(now: Outcome, old: Outcome): void {
  printFigures('orders quoted per second (placed -> quoted, the whole run)', [
    { label: 're-architected', value: now.quotedPerSecond, unit: 'orders/s' },
    { label: 'legacy (baseline)', value: old.quotedPerSecond, unit: 'orders/s' },
  ], { label: 're-architected / legacy', value: now.quotedPerSecond / old.quotedPerSecond });
  printFigures('time from order to quote, p99 (the services\' journals)', [
    { label: 're-architected', value: now.quoteP99Seconds, unit: 's' },
    { label: 'legacy (baseline)', value: old.quoteP99Seconds, unit: 's' },
  ], { label: 'legacy / re-architected', value: old.quoteP99Seconds / now.quoteP99Seconds });
  printFigures('MES dashboard GET /production p99 while pricing runs', [
    { label: `re-architected (${now.dashboardRequests} requests)`, value: now.dashboardP99Ms, unit: 'ms' },
    { label: `legacy (baseline, ${old.dashboardRequests} requests)`, value: old.dashboardP99Ms, unit: 'ms' },
  ], { label: 'legacy / re-architected', value: old.dashboardP99Ms / now.dashboardP99Ms });

  const seconds = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)} s`);
  const share = (o: Outcome) => Object.entries(o.shares).map(([op, v]) => `${op} ${(v * 100).toFixed(0)} %`).join(', ');
  const rows: [string, string, string][] = [
    ['orders/s placed -> quoted', now.quotedPerSecond.toFixed(2), old.quotedPerSecond.toFixed(2)],
    ['order -> quote p50', seconds(now.quoteP50Seconds), seconds(old.quoteP50Seconds)],
    ['order -> quote p99', seconds(now.quoteP99Seconds), seconds(old.quoteP99Seconds)],
    ['GET /production p99', `${now.dashboardP99Ms.toFixed(1)} ms`, `${old.dashboardP99Ms.toFixed(1)} ms`],
    ["operators' shares (weights 2:1:1)", share(now), share(old)],
    ['tracker: time in pricing p50', seconds(now.pricingP50Seconds), seconds(old.pricingP50Seconds)],
    ['tracker: time in pricing p99', seconds(now.pricingP99Seconds), seconds(old.pricingP99Seconds)],
    ['tracker: stuck / lost orders', `${now.stuck} / ${now.lost}`, `${old.stuck} / ${old.lost}`],
    ['bottleneck: longest p99 in state', bottleneck(now), bottleneck(old)],
  ];
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(14, ...rows.map((r) => r[1].length))];
  console.log(`\n${''.padEnd(w[0]!)}  ${'re-architected'.padEnd(w[1]!)}  legacy`);
  for (const [label, a, b] of rows) console.log(`${label.padEnd(w[0]!)}  ${a.padEnd(w[1]!)}  ${b}`);
}

/**
 * Where orders wait longest, as an SRE reads it off the tracker: the state with the longest p99, its
 * owning system, and what it waits on (the handoff the model names), e.g. "quote_requested (shop),
 * waiting on RabbitMQ queue mes.pricing".
 */
function bottleneck(o: Outcome): string {
  const [first] = o.slowest;
  if (!first) return '-';
  const via = MODEL.handoffsFrom(first[0])[0]?.via;
  return `${first[0]} (${first[1] ?? '?'}), ${first[2].toFixed(1)} s${via ? `: waiting on ${via}` : ''}`;
}
