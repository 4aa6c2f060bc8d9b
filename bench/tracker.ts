import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { KafkaPublisher } from '../bus';
import { loadConfig, sleep } from '../common';
import { freePort } from '../common/free-port';
import type { OrderEvent } from '../events';
import { TRACKER_METRICS } from '../tracker';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { adminQuery, withDatabase } from './support/database';

/**
 * `npm run bench -- tracker [--events N] [--orders M]`: events applied per second, end to end
 * (Kafka -> `orderscope tracker` -> PostgreSQL), beside the ceiling measured in the same run: a
 * PostgreSQL `COPY ... FROM STDIN` of the same events into a table without any index. Also prints the
 * tracker's peak RSS.
 *
 * The stream is what a busy pipeline sends: orders start one after another and move through the
 * process model, so at any time some tens of thousands are in flight and a batch touches thousands
 * of orders that already have events; one event in a hundred arrives late (1000 events later).
 *
 * Needs Kafka (scripts/kafka.sh start) and PostgreSQL (postgres.url / ORDERSCOPE_POSTGRES_URL: the
 * bench creates and drops its own database and topic there).
 */
export async function run(args: string[]): Promise<void> {
  const events = flag(args, '--events', 1_000_000);
  const orders = flag(args, '--orders', 100_000);
  if (events < orders) throw new Error(`--events (${events}) must be at least --orders (${orders}): every order has at least one event`);
  const config = loadConfig();
  const runId = randomBytes(4).toString('hex');
  const database = `orderscope_bench_${runId}`;
  const topic = `orderscope-bench-${runId}`;
  const stream = { events, orders, runId };
  console.log(`tracker bench: ${events.toLocaleString('en-US')} events over ${orders.toLocaleString('en-US')} orders; database ${database}, topic ${topic}`);

  // CREATE/DROP DATABASE run on the server's maintenance database, the bench on its own.
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  const benchUrl = withDatabase(config.postgres.url, database);
  await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const kafka = { ...config.kafka, topic, groupId: `orderscope-bench-${runId}` };
  try {
    const copyRate = await measureCopy(benchUrl, stream);
    console.log(`  COPY ceiling: ${Math.round(copyRate).toLocaleString('en-US')} events/s`);

    const produced = await produce(kafka, stream);
    console.log(`  published to Kafka at ${Math.round(produced).toLocaleString('en-US')} events/s (setup, not measured against)`);

    const tracker = await measureTracker(benchUrl, kafka, events);
    await checkStore(benchUrl, stream);
    printFigures(
      `tracker: ${events.toLocaleString('en-US')} events, ${orders.toLocaleString('en-US')} orders`,
      [
        { label: 'tracker, Kafka -> tracker -> PostgreSQL', value: tracker.rate, unit: 'events/s' },
        { label: 'ceiling, COPY into an unindexed table', value: copyRate, unit: 'events/s' },
        { label: 'tracker peak RSS', value: tracker.peakRssBytes / 2 ** 20, unit: 'MiB' },
        { label: 'tracker batches applied', value: tracker.batches, unit: `(mean ${Math.round(events / Math.max(1, tracker.batches))} events)` },
        // Summed over the partitions applied at once, so above 100 % when they overlap.
        { label: 'apply transactions in flight, on average', value: tracker.applyShare, unit: '(time in apply transactions / wall time)' },
      ],
      { label: 'tracker / COPY', value: tracker.rate / copyRate },
    );
  } finally {
    await deleteTopic(kafka.brokers, topic).catch((err: unknown) => console.error(`could not delete topic ${topic}: ${String(err)}`));
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

interface StreamSpec {
  readonly events: number;
  readonly orders: number;
  readonly runId: string;
}

const PIPELINE = ['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped'];
/** Orders started per slot of the stream; with ~10 events per order, about this many times 10 are in flight. */
const IN_FLIGHT_WINDOW = 5000;
const LATE_EVERY = 100;
const LATE_BY = 1000;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/**
 * The bench's event stream, generated the same way for every consumer of it: order i's k-th event is
 * due at slot i + k * IN_FLIGHT_WINDOW, and the stream runs slot by slot; every LATE_EVERY-th event
 * is held back by LATE_BY events.
 */
function* eventStream(spec: StreamSpec): Generator<OrderEvent> {
  const perOrder = Math.floor(spec.events / spec.orders);
  const extra = spec.events - perOrder * spec.orders;
  const count = (order: number) => perOrder + (order < extra ? 1 : 0);
  const maxPerOrder = perOrder + (extra > 0 ? 1 : 0);
  const held: { due: number; event: OrderEvent }[] = [];
  let emitted = 0;
  const lastSlot = spec.orders - 1 + (maxPerOrder - 1) * IN_FLIGHT_WINDOW;
  for (let slot = 0; slot <= lastSlot; slot++) {
    for (let k = 0; k < maxPerOrder; k++) {
      const order = slot - k * IN_FLIGHT_WINDOW;
      if (order < 0) break;
      if (order >= spec.orders || k >= count(order)) continue;
      const event = makeEvent(spec.runId, order, k, count(order));
      emitted += 1;
      if (emitted % LATE_EVERY === 0) held.push({ due: emitted + LATE_BY, event });
      else yield event;
      while (held.length && held[0]!.due <= emitted) yield held.shift()!.event;
    }
  }
  for (const h of held) yield h.event;
}

function makeEvent(runId: string, order: number, k: number, total: number): OrderEvent {
  // The pipeline, with the states past the ninth reported again (a retry, a second system).
  const state = k < PIPELINE.length - 1 || total <= PIPELINE.length ? PIPELINE[Math.min(k, PIPELINE.length - 1)]! : k === total - 1 ? 'shipped' : PIPELINE[PIPELINE.length - 2]!;
  const at = T0 + order * 600 + k * 300_000 + ((order * 7919 + k * 104_729) % 60_000);
  const id = (order * 64 + k).toString(16).padStart(12, '0');
  return {
    schema_version: 1,
    event_id: `${runId}-0000-4000-8000-${id}`,
    order_id: `bench-${runId}-${order}`,
    source: k < 2 ? 'shop' : 'mes',
    state,
    occurred_at: new Date(at).toISOString(),
    seq: k,
    trace_id: `${runId}${id}${'0'.repeat(12)}`,
    span_id: `${id}0001`,
    attributes: k === 0 ? { segment: order % 5 === 0 ? 'b2b' : 'b2c', amount: order % 1000 } : k === 4 ? { operator_id: `op-${order % 40}` } : {},
  };
}

/** Events/s of COPY FROM STDIN of the whole stream (text format) into a table like events, without indexes. */
async function measureCopy(url: string, spec: StreamSpec): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE copy_ceiling (event_id uuid, order_id text, source text, state text, occurred_at timestamptz, seq bigint,
      trace_id text, span_id text, attributes jsonb, received_at timestamptz DEFAULT now())`);
    const lines = Readable.from(
      (function* () {
        let chunk = '';
        for (const e of eventStream(spec)) {
          chunk += `${[e.event_id, e.order_id, e.source, e.state, e.occurred_at, String(e.seq), e.trace_id ?? null, e.span_id ?? null, JSON.stringify(e.attributes)].map(copyText).join('\t')}\n`;
          if (chunk.length > 256 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      })(),
    );
    const began = process.hrtime.bigint();
    await pipeline(lines, client.query(copyFrom('COPY copy_ceiling (event_id, order_id, source, state, occurred_at, seq, trace_id, span_id, attributes) FROM STDIN')));
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    return spec.events / seconds;
  } finally {
    await client.end();
  }
}

/** A value in COPY's text format: \N for NULL, backslash escapes for the separators. */
function copyText(value: string | null): string {
  return value === null ? '\\N' : value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** Publishes the stream to the bench topic through the production bus; resolves to events/s. */
async function produce(kafka: ReturnType<typeof loadConfig>['kafka'], spec: StreamSpec): Promise<number> {
  const bus = new KafkaPublisher({ kafka, publishTimeoutMs: 60_000 });
  await bus.start();
  const began = process.hrtime.bigint();
  try {
    const inFlight = new Set<Promise<void>>();
    let chunk: OrderEvent[] = [];
    const send = async (events: OrderEvent[]) => {
      const p = bus.publish(events);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      if (inFlight.size >= 8) await Promise.race(inFlight);
    };
    for (const e of eventStream(spec)) {
      chunk.push(e);
      if (chunk.length === 2000) {
        await send(chunk);
        chunk = [];
      }
    }
    if (chunk.length) await send(chunk);
    await Promise.all(inFlight);
  } finally {
    await bus.close();
  }
  return spec.events / (Number(process.hrtime.bigint() - began) / 1e9);
}

/**
 * Runs `orderscope tracker` on the filled topic until every event is applied; the rate runs from the
 * first applied event to the last (start-up and the consumer group join are not counted).
 */
async function measureTracker(url: string, kafka: ReturnType<typeof loadConfig>['kafka'], events: number): Promise<{ rate: number; peakRssBytes: number; batches: number; applyShare: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'cli', 'main.js'), 'tracker', '--port', String(port), '--instance', 'bench'], {
    env: {
      ...process.env,
      ORDERSCOPE_POSTGRES_URL: url,
      ORDERSCOPE_KAFKA_TOPIC: kafka.topic,
      ORDERSCOPE_KAFKA_GROUP_ID: kafka.groupId,
      ORDERSCOPE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let first: { at: bigint; done: number; applySeconds: number } | undefined;
    let last = { at: process.hrtime.bigint(), done: 0, batches: 0, applySeconds: 0 };
    let peakRssBytes = 0;
    let lastProgress = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the tracker exited with code ${child.exitCode} before applying every event`);
      await sleep(100);
      const progress = await readProgress(port);
      peakRssBytes = Math.max(peakRssBytes, peakRss(child));
      if (!progress) continue;
      const now = process.hrtime.bigint();
      if (progress.done > last.done) lastProgress = Date.now();
      if (!first && progress.done > 0) first = { at: now, done: progress.done, applySeconds: progress.applySeconds };
      last = { at: now, ...progress };
      if (progress.done >= events) break;
      if (Date.now() - lastProgress > 120_000) throw new Error(`no progress for 2 minutes at ${progress.done} of ${events} events`);
    }
    const seconds = Number(last.at - first!.at) / 1e9;
    return { rate: (last.done - first!.done) / seconds, peakRssBytes, batches: last.batches, applyShare: (last.applySeconds - first!.applySeconds) / seconds };
  } finally {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(40_000).then(() => 'timeout' as const)]);
    if (code !== 0) {
      child.kill('SIGKILL');
      console.error(`  the tracker did not stop cleanly on SIGTERM (exit ${String(code)})`);
    }
  }
}

/** Applied plus duplicate events and batches so far, from the tracker's /metrics; undefined while it is not up. */
async function readProgress(port: number): Promise<{ done: number; batches: number; applySeconds: number } | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    return {
      done: value(TRACKER_METRICS.eventsApplied.name) + value(TRACKER_METRICS.duplicateEvents.name),
      batches: value(`${TRACKER_METRICS.batchApplyDuration.name}_count`),
      applySeconds: value(`${TRACKER_METRICS.batchApplyDuration.name}_sum`),
    };
  } catch {
    return undefined;
  }
}

/** The process's peak resident set (VmHWM), in bytes. */
function peakRss(child: ChildProcess): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Checks that the store holds every event and order of the stream, so that the figure is of real work. */
async function checkStore(url: string, spec: StreamSpec): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: number; orders: number; done: number }>(
      `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM orders WHERE status = 'done')::int AS done`,
    );
    const found = rows[0]!;
    if (found.events !== spec.events || found.orders !== spec.orders) {
      throw new Error(`the store holds ${found.events} events and ${found.orders} orders; expected ${spec.events} and ${spec.orders}`);
    }
    console.log(`  store checked: ${found.events.toLocaleString('en-US')} events, ${found.orders.toLocaleString('en-US')} orders (${found.done.toLocaleString('en-US')} shipped)`);
  } finally {
    await client.end();
  }
}

async function deleteTopic(brokers: string[], topic: string): Promise<void> {
  // The bus has no "delete topic": that is only ever done here, to not leave a bench topic behind.
  const admin = new Kafka({ clientId: 'orderscope-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}


