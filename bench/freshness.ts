/**
 * `npm run bench -- freshness` (its arguments: `usage` below): how long a new state takes from
 * `trackOrder()` to the tracker's API (`GET /v1/orders/{id}`) and to its `/metrics`, on the production
 * path: the Node SDK with its batching defaults (500 events or 200 ms) -> `orderscope collector` ->
 * Kafka -> `orderscope tracker` -> PostgreSQL.
 *
 * 1. The path's maximum: `--burst` events tracked as fast as the agent takes them (a flush every
 *    5,000), timed until the tracker has applied them all.
 * 2. Probes, one at a time: an order waiting in `pricing` gets `quoted`; the probe polls the order API
 *    until it says `quoted`, and /metrics until the pricing stay's duration is observed (only probes
 *    ever leave pricing, so the count moves by exactly one). The Kafka message's timestamp (set by the
 *    collector's producer) splits each probe into agent + collector, and Kafka + tracker.
 *    First idle (the baseline), then for `--seconds` beside a steady load of half the maximum
 *    (orders that are placed and then ask for a quote, never priced).
 *
 * Needs Kafka and PostgreSQL on this machine (`bash scripts/services.sh up`); creates and drops its own
 * topic and database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Agent } from '../agents/node';
import { loadConfig } from '../common';
import { freePorts } from '../common/test/free-port';
import { TRACKER_METRICS } from '../tracker/metric-names';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { adminQuery, withDatabase } from './support/database';
import { quantile } from './support/quantile';
import { scrape } from './support/scrape';
import { deleteTopic } from './support/tracker-run';
import { startCliProcesses, stopAll, type CliProcess } from './support/cli-processes';
import { pause } from './support/pause';

const POLL_MS = 5;
const IDLE_PROBES = 100;
/** Probes prepared in pricing: more than a run of --seconds can use at one probe per poll round trip. */
const PROBE_ORDERS = 2000;

interface Probe {
  /** trackOrder() to the collector's Kafka message timestamp: the agent's batching, its POST, the collector. */
  readonly toKafkaMs: number;
  /** From there to the order API answering the new state: Kafka, the tracker's fetch and apply transaction, the API. */
  readonly toApiMs: number;
  /** trackOrder() to the order API. */
  readonly apiMs: number;
  /** trackOrder() to /metrics. */
  readonly metricsMs: number;
}

/** The arguments it takes, for `npm run bench -- freshness --help` and for a wrong argument. */
export const usage = 'freshness [--seconds 60] [--burst 60000]';

export async function run(args: string[]): Promise<void> {
  const seconds = flag(args, '--seconds', 60);
  const burst = flag(args, '--burst', 60_000);
  const config = loadConfig();
  const runId = randomBytes(4).toString('hex');
  const topic = `orderscope-bench-freshness-${runId}`;
  const database = `orderscope_bench_${runId}_freshness`;
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  const token = randomBytes(16).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-bench-freshness-'));
  console.log(`freshness bench ${runId}: SDK -> collector -> Kafka (${config.kafka.partitions} partitions) -> tracker -> PostgreSQL, on this machine`);

  await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const running: CliProcess[] = [];
  let agent: Agent | undefined;
  const kafka = new Kafka({ clientId: 'orderscope-bench-freshness', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `orderscope-bench-freshness-${runId}`, maxWaitTimeInMs: 50 });
  try {
    const [collectorPort, trackerPort] = (await freePorts(2)) as [number, number];
    const env = {
      ORDERSCOPE_TOKEN: token,
      ORDERSCOPE_POSTGRES_URL: withDatabase(config.postgres.url, database),
      ORDERSCOPE_KAFKA_TOPIC: topic,
      ORDERSCOPE_KAFKA_GROUP_ID: `orderscope-bench-freshness-${runId}-tracker`,
      // The burst is one token's: the per-token limit would measure the limit, not the path.
      ORDERSCOPE_COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '0',
      ORDERSCOPE_LOG_LEVEL: 'warn',
    };
    // The collector creates the topic; the tracker joins it.
    running.push(...(await startCliProcesses([{ name: 'collector', port: collectorPort, args: ['collector', '--port', String(collectorPort)], env }])));
    running.push(...(await startCliProcesses([{ name: 'tracker', port: trackerPort, args: ['tracker', '--port', String(trackerPort), '--instance', 'bench'], env }])));
    const trackerUrl = `http://127.0.0.1:${trackerPort}`;
    const kafkaTimes = await watchProbeMessages(consumer, topic);

    // require, not import(): OpenTelemetry's hook sees require calls, as in a service.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startAgent } = require('../agents/node') as typeof import('../agents/node');
    agent = startAgent({
      service: 'bench',
      source: 'shop',
      collectorUrl: `http://127.0.0.1:${collectorPort}`,
      token,
      spoolDir: path.join(dir, 'spool'),
      tracing: { export: false },
      log: { level: 'warn' },
    });
    const applied = () => appliedEvents(trackerUrl);

    // The probes' orders wait in pricing; only probes ever move them on.
    for (let i = 0; i < PROBE_ORDERS; i++) for (const state of ['placed', 'quote_requested', 'pricing']) agent.trackOrder(`probe-${runId}-${i}`, state);
    await agent.flush();
    await waitFor(async () => (await applied()) >= PROBE_ORDERS * 3, 'the probe orders to be applied');

    const maximum = await measureMaximum(agent, applied, burst, runId);
    console.log(`  maximum: ${Math.round(maximum).toLocaleString('en-US')} events/s through the whole path (${burst.toLocaleString('en-US')} events, a flush every 5,000)`);

    let nextProbe = 0;
    const probe = () => runProbe(agent!, trackerUrl, token, `probe-${runId}-${nextProbe++}`, kafkaTimes);
    const idle: Probe[] = [];
    for (let i = 0; i < IDLE_PROBES; i++) idle.push(await probe());

    const rate = maximum / 2;
    const load = steadyLoad(agent, rate, runId);
    const loaded: Probe[] = [];
    const until = Date.now() + seconds * 1000;
    try {
      while (Date.now() < until && nextProbe < PROBE_ORDERS) loaded.push(await probe());
    } finally {
      await load.stop();
    }
    console.log(`  probes: ${idle.length} idle, ${loaded.length} beside ${Math.round(rate).toLocaleString('en-US')} events/s (half the maximum; ${load.sent().toLocaleString('en-US')} events in ${seconds} s)`);
    report(idle, loaded, rate);
  } finally {
    await agent?.shutdown().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await stopAll(running);
    await deleteTopic(config.kafka.brokers, topic).catch((err: unknown) => console.error(`could not delete topic ${topic}: ${String(err)}`));
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Events/s of `burst` events tracked as fast as the agent takes them, until the tracker applied all. */
async function measureMaximum(agent: Agent, applied: () => Promise<number>, burst: number, runId: string): Promise<number> {
  const before = await applied();
  const began = process.hrtime.bigint();
  const states = ['placed', 'quote_requested'];
  for (let i = 0; i < burst; i++) {
    agent.trackOrder(`burst-${runId}-${Math.floor(i / states.length)}`, states[i % states.length]!);
    if ((i + 1) % 5000 === 0) await agent.flush();
  }
  await agent.flush();
  await waitFor(async () => (await applied()) >= before + burst, 'the burst to be applied');
  return burst / (Number(process.hrtime.bigint() - began) / 1e9);
}

/** Tracks `rate` events/s (orders placed, then asking for a quote) in 10 ms steps until stopped. */
function steadyLoad(agent: Agent, rate: number, runId: string): { stop(): Promise<void>; sent(): number } {
  const began = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - began) / 1000) * rate);
    for (; sent < due; sent++) agent.trackOrder(`load-${runId}-${Math.floor(sent / 2)}`, sent % 2 === 0 ? 'placed' : 'quote_requested');
  }, 10);
  return {
    stop: async () => {
      clearInterval(timer);
      await agent.flush();
    },
    sent: () => sent,
  };
}

/**
 * One probe: `orderId` (in pricing) gets quoted; resolves once the API and /metrics both show it. The
 * two are polled by loops of their own, so that neither waits for the other's request, and each
 * sighting is stamped when its request was sent (the state appeared before, or while the request
 * ran: the error is at most one request's time). Times are Date.now(), the clock of the collector's
 * Kafka timestamps.
 */
async function runProbe(agent: Agent, trackerUrl: string, token: string, orderId: string, kafkaTimes: Map<string, number>): Promise<Probe> {
  const observedBefore = await pricingStaysObserved(trackerUrl);
  const began = Date.now();
  agent.trackOrder(orderId, 'quoted');
  const seenAt = async (what: string, visible: () => Promise<boolean>): Promise<number> => {
    for (;;) {
      const sent = Date.now();
      if (await visible()) return sent;
      if (sent - began > 60_000) throw new Error(`probe ${orderId} not visible in ${what} within 60 s`);
      await pause(POLL_MS);
    }
  };
  const [apiAt, metricsAt] = await Promise.all([
    seenAt('the order API', async () => (await orderState(trackerUrl, token, orderId)) === 'quoted'),
    seenAt('/metrics', async () => (await pricingStaysObserved(trackerUrl)) > observedBefore),
  ]);
  await waitFor(async () => kafkaTimes.has(orderId), `the Kafka message of ${orderId}`);
  const inKafka = kafkaTimes.get(orderId)!;
  return { toKafkaMs: inKafka - began, toApiMs: apiAt - inKafka, apiMs: apiAt - began, metricsMs: metricsAt - began };
}

/** Records the timestamp of each probe's `quoted` message on the topic, by order id. */
async function watchProbeMessages(consumer: ReturnType<Kafka['consumer']>, topic: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '';
      if (!key.startsWith('probe-')) return;
      const event = JSON.parse(message.value?.toString() ?? '{}') as { state?: string };
      if (event.state === 'quoted') times.set(key, Number(message.timestamp));
    },
  });
  await joined;
  return times;
}

async function orderState(trackerUrl: string, token: string, orderId: string): Promise<string | undefined> {
  const res = await fetch(`${trackerUrl}/v1/orders/${encodeURIComponent(orderId)}`, { headers: { authorization: `Bearer ${token}` } });
  return res.ok ? ((await res.json()) as { state: string }).state : undefined;
}

/** Stays in pricing observed so far (the histogram's count): only probes leave pricing. */
async function pricingStaysObserved(trackerUrl: string): Promise<number> {
  const name = TRACKER_METRICS.stateDuration.name;
  return (await scrape(trackerUrl, [name]))(`${name}_count{state="pricing"}`);
}

async function appliedEvents(trackerUrl: string): Promise<number> {
  const { eventsApplied, duplicateEvents } = TRACKER_METRICS;
  const value = await scrape(trackerUrl, [eventsApplied.name, duplicateEvents.name]);
  return value(eventsApplied.name) + value(duplicateEvents.name);
}

async function waitFor(done: () => Promise<boolean>, what: string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after 5 minutes`);
    await pause(everyMs);
  }
}

function report(idle: readonly Probe[], loaded: readonly Probe[], rate: number): void {
  const at = (probes: readonly Probe[], part: keyof Probe, q: number) => quantile(probes.map((p) => p[part]), q);
  for (const [q, name] of [
    [0.5, 'p50'],
    [0.99, 'p99'],
  ] as const) {
    printFigures(
      `freshness ${name}, trackOrder() -> visible, beside ${Math.round(rate).toLocaleString('en-US')} events/s`,
      [
        { label: `GET /v1/orders/{id}, ${name}`, value: at(loaded, 'apiMs', q), unit: 'ms' },
        { label: `/metrics, ${name}`, value: at(loaded, 'metricsMs', q), unit: 'ms' },
        { label: `  of which agent + collector (to the Kafka timestamp), ${name}`, value: at(loaded, 'toKafkaMs', q), unit: 'ms' },
        { label: `  of which Kafka + tracker + API, ${name}`, value: at(loaded, 'toApiMs', q), unit: 'ms' },
        { label: `baseline: GET /v1/orders/{id} idle, ${name}`, value: at(idle, 'apiMs', q), unit: 'ms' },
      ],
      { label: `API ${name} beside the load / idle`, value: at(loaded, 'apiMs', q) / at(idle, 'apiMs', q) },
    );
  }
  const parts = { 'the agent and the collector (batching, POST, validation, produce)': at(loaded, 'toKafkaMs', 0.5), 'Kafka and the tracker (fetch, apply transaction, API)': at(loaded, 'toApiMs', 0.5) };
  const [biggest] = Object.entries(parts).sort(([, a], [, b]) => b - a);
  console.log(`\nbiggest contributor at p50: ${biggest![0]}, ${biggest![1].toFixed(1)} ms`);
}
