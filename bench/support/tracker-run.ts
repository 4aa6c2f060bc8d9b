import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { KafkaPublisher } from '../../bus';
import { PROBE_PATHS, sleep, type Config } from '../../common';
import { freePorts } from '../../common/test/free-port';
import type { OrderEvent } from '../../events';
import { TRACKER_METRICS } from '../../tracker/metric-names';
import { nodeOptionsOf } from '../../deploy/servers';
import { cpuSnapshot } from './cpu-time';
import { scrape } from './scrape';
import { pause } from './pause';

/**
 * What the tracker benchmarks share: the event stream of a busy pipeline, publishing it to a bench
 * topic, running trackers on it until every event is applied, and checking the store afterwards.
 */

type KafkaConfig = Config['kafka'];

/** How the deployments run a tracker's Node.js (its heap bound): the benchmarks measure it as deployed. */
export const TRACKER_NODE_OPTIONS = nodeOptionsOf('tracker')!;

export interface StreamSpec {
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
export function* eventStream(spec: StreamSpec): Generator<OrderEvent> {
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

/** Publishes the stream to the bench topic through the production bus; resolves to events/s. */
export async function produce(kafka: KafkaConfig, spec: StreamSpec): Promise<number> {
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

export interface TrackerRun {
  /** Events applied per second by all replicas together. */
  readonly rate: number;
  /** The largest peak resident set of one replica. */
  readonly peakRssBytes: number;
  readonly batches: number;
  /** Time in apply transactions over wall time, summed over replicas and partitions. */
  readonly applyShare: number;
  /** Cores used over the timed part, on average: all replicas together, PostgreSQL's processes, the Kafka broker. */
  readonly cores: { readonly trackers: number; readonly postgres: number; readonly kafka: number };
}

/**
 * Runs `replicas` processes of `orderscope tracker` in one consumer group on the filled topic until
 * every event is applied. The rate runs from the first progress reading once every replica is
 * ready (in the group, after the rebalances of their joins) to the last event; start-up is not
 * counted. Each replica has its own instance name, as on Kubernetes (the StatefulSet's pod names),
 * and the Node.js options the deployments give it (its heap bound, deploy/servers.ts); `env` adds
 * to their environment, and `nodeArgs` to their Node.js arguments (those NODE_OPTIONS refuses, such as
 * --cpu-prof).
 */
export async function measureTrackers(
  url: string,
  kafka: KafkaConfig,
  events: number,
  { replicas = 1, env = {}, nodeArgs = [] }: { replicas?: number; env?: Record<string, string>; nodeArgs?: readonly string[] } = {},
): Promise<TrackerRun> {
  const ports = await freePorts(replicas);
  const children = ports.map((port, i) =>
    spawn(process.execPath, [...nodeArgs, path.join(__dirname, '..', '..', 'cli', 'main.js'), 'tracker', '--port', String(port), '--instance', `bench-${i + 1}`], {
      env: {
        ...process.env,
        ORDERSCOPE_POSTGRES_URL: url,
        ORDERSCOPE_KAFKA_TOPIC: kafka.topic,
        ORDERSCOPE_KAFKA_GROUP_ID: kafka.groupId,
        ORDERSCOPE_LOG_LEVEL: 'warn',
        NODE_OPTIONS: TRACKER_NODE_OPTIONS,
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const exits = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))));
  try {
    let first: { at: bigint; done: number; applySeconds: number; cpu: ReturnType<typeof cpuSnapshot> } | undefined;
    const pids = children.map((c) => c.pid!);
    let last = { at: process.hrtime.bigint(), done: 0, batches: 0, applySeconds: 0 };
    let peakRssBytes = 0;
    let lastProgress = Date.now();
    let cpu: ReturnType<typeof cpuSnapshot> | undefined;
    for (;;) {
      const exited = children.find((c) => c.exitCode !== null);
      if (exited) throw new Error(`a tracker exited with code ${exited.exitCode} before applying every event`);
      await pause(100);
      const readings = await Promise.all(ports.map((port) => readProgress(port)));
      peakRssBytes = Math.max(peakRssBytes, ...children.map(peakRss));
      if (readings.some((r) => r === undefined)) continue;
      const progress = { done: 0, batches: 0, applySeconds: 0 };
      for (const r of readings) {
        progress.done += r!.done;
        progress.batches += r!.batches;
        progress.applySeconds += r!.applySeconds;
      }
      const now = process.hrtime.bigint();
      if (progress.done > last.done) lastProgress = Date.now();
      if (!first && progress.done > 0 && (await allReady(ports))) first = { at: now, done: progress.done, applySeconds: progress.applySeconds, cpu: cpuSnapshot(pids) };
      last = { at: now, ...progress };
      if (progress.done >= events) {
        cpu = cpuSnapshot(pids);
        break;
      }
      if (Date.now() - lastProgress > 120_000) throw new Error(`no progress for 2 minutes at ${progress.done} of ${events} events`);
    }
    if (!first || last.done === first.done) throw new Error(`the trackers applied every event before all ${replicas} were in the group: give them more events (--events)`);
    const seconds = Number(last.at - first.at) / 1e9;
    const end = cpu!;
    const cores = { trackers: (end.own - first.cpu.own) / seconds, postgres: (end.postgres - first.cpu.postgres) / seconds, kafka: (end.kafka - first.cpu.kafka) / seconds };
    return { rate: (last.done - first.done) / seconds, peakRssBytes, batches: last.batches, applyShare: (last.applySeconds - first.applySeconds) / seconds, cores };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    const codes = await Promise.race([Promise.all(exits), sleep(40_000).then(() => 'timeout' as const)]);
    if (codes === 'timeout' || codes.some((code) => code !== 0)) {
      for (const child of children) child.kill('SIGKILL');
      console.error(`  a tracker did not stop cleanly on SIGTERM (exits ${JSON.stringify(codes)})`);
    }
  }
}

/** Whether every tracker answers 200 on /readyz: database reachable and its Kafka consumer in the group. */
async function allReady(ports: readonly number[]): Promise<boolean> {
  const answers = await Promise.all(ports.map((port) => fetch(`http://127.0.0.1:${port}${PROBE_PATHS.ready}`).then((r) => r.ok, () => false)));
  return answers.every(Boolean);
}

/** Applied plus duplicate events and batches so far, from the tracker's /metrics; undefined while it is not up. */
async function readProgress(port: number): Promise<{ done: number; batches: number; applySeconds: number } | undefined> {
  try {
    const { eventsApplied, duplicateEvents, batchApplyDuration } = TRACKER_METRICS;
    const value = await scrape(`http://127.0.0.1:${port}`, [eventsApplied.name, duplicateEvents.name, batchApplyDuration.name]);
    return {
      done: value(eventsApplied.name) + value(duplicateEvents.name),
      batches: value(`${batchApplyDuration.name}_count`),
      applySeconds: value(`${batchApplyDuration.name}_sum`),
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
export async function checkStore(url: string, spec: StreamSpec): Promise<void> {
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

export async function deleteTopic(brokers: string[], topic: string): Promise<void> {
  // The bus has no "delete topic": that is only ever done here, to not leave a bench topic behind.
  const admin = new Kafka({ clientId: 'orderscope-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}


