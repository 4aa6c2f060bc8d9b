import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { KafkaPublisher } from '../../bus';
import { BROKERS, freshTopic, KAFKA_CLIENT } from '../../bus/test/kafka-topic';
import { createCollector, type Collector } from '../../collector';
import { CollectorClient } from '../../agents/shared';
import { loadConfig, PROJECT_ROOT, silentLogger, sleep } from '../../common';
import { freePort } from '../../common/test/free-port';
import type { Db } from '../store';
import { TRACKER_METRICS } from '../metric-names';
import { createTestDatabase } from './postgres';
import { histogram, journey, random, shuffled, startEmbedded, storeSnapshot, waitForValue } from './fixtures';

/**
 * The whole production path: collector -> real Kafka -> `orderscope tracker` (a child process) ->
 * real PostgreSQL. 10,000 events for 1,000 orders arrive shuffled with 10% duplicates, and the
 * tracker is killed with SIGKILL halfway and restarted. The result must be exactly what the in-order
 * stream gives: the same orders, stays and histogram counts, nothing counted twice.
 */

const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const TOKEN = 'pipeline-test-token';
const T0 = Date.UTC(2026, 9, 1, 8, 0, 0);
const ORDERS = 1000;
const EVENTS_PER_ORDER = 10;

jest.setTimeout(300_000);


interface TrackerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startTracker(env: NodeJS.ProcessEnv, port: number): TrackerProcess {
  const child = spawn(process.execPath, [CLI, 'tracker', '--port', String(port), '--instance', 'pipeline-test'], {
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => waitForValue(what, probe, timeoutMs);

/** `name{state="x",le="y"} value` lines of a Prometheus text exposition -> {state: {le: value}}. */
function scrapedBuckets(text: string, name: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const line = new RegExp(`^${name}_bucket\\{(.*)\\} (\\S+)$`, 'gm');
  for (const [, labels, value] of text.matchAll(line)) {
    const state = /state="([^"]*)"/.exec(labels!)![1]!;
    const le = /le="([^"]*)"/.exec(labels!)![1]!;
    (out[state] ??= {})[le] = Number(value);
  }
  return out;
}

function minus(a: Record<string, Record<string, number>>, b: Record<string, Record<string, number>>) {
  const out: Record<string, Record<string, number>> = {};
  for (const [state, buckets] of Object.entries(a)) {
    const net = Object.fromEntries(Object.entries(buckets).map(([le, n]) => [le, n - (b[state]?.[le] ?? 0)]));
    if (Object.values(net).some((n) => n !== 0)) out[state] = net;
  }
  return out;
}

describe('collector -> Kafka -> tracker -> PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let bus: KafkaPublisher;
  let collector: Collector;
  let tracker: TrackerProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:integration does)`);
    database = await createTestDatabase();
  });

  afterAll(async () => {
    if (tracker && tracker.child.exitCode === null) {
      tracker.child.kill('SIGTERM');
      await tracker.exited;
    }
    await collector?.close();
    await bus?.close();
    await database?.drop();
  });

  it('gives exactly the stays and histograms of the in-order stream, across a SIGKILL of the tracker', async () => {
    const rnd = random(2026);
    const inOrder = Array.from({ length: ORDERS }, (_, i) => journey(`it-${String(i).padStart(4, '0')}`, T0 + i * 37_000, EVENTS_PER_ORDER, rnd))
      .flat()
      .sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
    expect(inOrder).toHaveLength(ORDERS * EVENTS_PER_ORDER);
    const messy = shuffled([...inOrder, ...inOrder.filter(() => rnd() < 0.1)], rnd);

    const topic = freshTopic('pipeline');
    const groupId = `${topic}-tracker`;
    const config = loadConfig({
      env: { ORDERSCOPE_TOKEN: TOKEN },
      overrides: { kafka: { client: KAFKA_CLIENT, brokers: BROKERS, topic, partitions: 6 }, collector: { port: 0, rateLimitEventsPerSecond: 0 } },
    });
    bus = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: 10_000, logger: silentLogger(), registry: new Registry() });
    await bus.start();
    collector = createCollector({ config, bus });
    const ingest = new CollectorClient({ url: (await collector.start()).url, token: TOKEN });

    const port = await freePort();
    const env = {
      ORDERSCOPE_POSTGRES_URL: database.url,
      ORDERSCOPE_KAFKA_BROKERS: BROKERS.join(','),
      ORDERSCOPE_KAFKA_TOPIC: topic,
      ORDERSCOPE_KAFKA_GROUP_ID: groupId,
      ORDERSCOPE_TOKEN: TOKEN,
      ORDERSCOPE_LOG_LEVEL: 'error',
    };
    const db = new Client({ connectionString: database.url, options: '-c TimeZone=UTC' });
    const appliedEvents = async () => {
      const [row] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows;
      return row!.n;
    };
    tracker = startTracker(env, port);
    await waitFor('the tracker to be ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
    await db.connect();

    try {
      const batches = Array.from({ length: Math.ceil(messy.length / 100) }, (_, i) => messy.slice(i * 100, i * 100 + 100));
      let accepted = 0;
      for (const [i, batch] of batches.entries()) {
        if (i === Math.floor(batches.length / 2)) {
          // Kill the tracker in the middle of its work: whatever it applied but had not committed
          // to Kafka comes again after the restart and must not count twice.
          await waitFor('the tracker to have applied something', async () => ((await appliedEvents()) > 0 ? true : undefined));
          tracker.child.kill('SIGKILL');
          await tracker.exited;
          tracker = startTracker(env, port);
        }
        accepted += (await ingest.post(batch)).accepted;
      }
      expect(accepted).toBe(messy.length);

      await waitFor('every event to be applied', async () => ((await appliedEvents()) === inOrder.length ? true : undefined), 180_000);
      await waitFor('the restarted tracker to serve', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
      // Give the consumer a moment to finish the batch it may be in (duplicates only by now).
      await sleep(2000);

      const reference = await startEmbedded();
      try {
        for (let i = 0; i < inOrder.length; i += 500) await reference.bus.publish(inOrder.slice(i, i + 500));
        const pgDb = { query: async (sql: string, params?: unknown[]) => (await db.query(sql, params)).rows } as unknown as Db;
        expect(await storeSnapshot(pgDb)).toEqual(await storeSnapshot(reference.db));

        const scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const observed = scrapedBuckets(scraped, TRACKER_METRICS.stateDuration.name);
        const retracted = scrapedBuckets(scraped, TRACKER_METRICS.stateDurationRetracted.name);
        const expected = await histogram(reference.registry, TRACKER_METRICS.stateDuration.name);
        const expectedBuckets = Object.fromEntries(
          Object.entries(expected)
            .filter(([, h]) => h.count > 0)
            .map(([state, h]) => [state, Object.fromEntries(Object.entries(h.buckets).map(([le, n]) => [le === '+Inf' ? '+Inf' : le, n]))]),
        );
        expect(minus(observed, retracted)).toEqual(expectedBuckets);
        const closedStays = Object.values(expected).reduce((n, h) => n + h.count, 0);
        const [stays] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM stays')).rows;
        expect(stays!.n).toBe(closedStays);
      } finally {
        await reference.close();
      }
    } finally {
      await db.end();
    }
  });
});
