import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'amqplib';
import { Client } from 'pg';
import { loadConfig } from '../common';
import { freePort } from '../common/test/free-port';
import { PRICING_THREADS } from '../deploy/kubernetes';
import { assertWorkQueue, EXCHANGE, QUEUES } from '../pipeline';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { adminQuery, withDatabase } from './support/database';
import { createVhost } from './support/rabbitmq-vhost';
import { checkStore, deleteTopic, measureTrackers, produce } from './support/tracker-run';
import { startCliProcesses, stopAll, type CliProcess, type CliProcessSpec } from './support/cli-processes';
import { pause } from './support/pause';

/** The arguments it takes, for `npm run bench -- scale --help` and for a wrong argument. */
export const usage = 'scale [trackers|workers] [--events N] [--orders M] [--requests R]';

/**
 * `npm run bench -- scale` (its arguments: `usage` below): how throughput
 * grows with replicas (both parts, or the one named), the figures the Kubernetes autoscaling thresholds derive from (deploy/kubernetes/capacity.ts).
 *
 * - Trackers: events applied per second by 1, 2 and 3 `orderscope tracker` processes in one consumer
 *   group on a 6-partition topic (Kafka -> trackers -> PostgreSQL), each run on the same filled topic
 *   with a fresh group and a fresh database, beside the single replica's figure. Apply only: the
 *   lost-order sweeper does not run (the stream's event times are long past their deadlines).
 * - Pricing workers: cost analyses per second of 1, 2 and 4 `orderscope pipeline mes-worker`
 *   processes on one mes.pricing queue, each with the pricing threads of a Kubernetes pod
 *   (PRICING_THREADS) and the price cache off (every request is priced), beside the single worker's.
 *   Their agents post order events to a sink on loopback that answers 202, not to a collector: the
 *   figure is pricing's own.
 *
 * Needs Kafka, PostgreSQL and RabbitMQ on this machine (`bash scripts/services.sh up`); creates and
 * drops its own topic, databases and RabbitMQ vhost. Everything runs on this machine: the replicas
 * share its cores with PostgreSQL and Kafka, which is what the figures show.
 */
export async function run(args: string[]): Promise<void> {
  const events = flag(args, '--events', 300_000);
  const orders = flag(args, '--orders', 30_000);
  const requests = flag(args, '--requests', 400);
  const config = loadConfig();
  const runId = randomBytes(4).toString('hex');
  const part = args[0] === 'trackers' || args[0] === 'workers' ? args[0] : undefined;
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  console.log(`scale bench ${runId}: trackers on ${events.toLocaleString('en-US')} events (${orders.toLocaleString('en-US')} orders, ${config.kafka.partitions} partitions); pricing workers on ${requests} cost analyses each`);

  const trackers = part !== 'workers' ? await measureTrackerScaling({ events, orders, runId, adminUrl, pgUrl: config.postgres.url, kafka: config.kafka }) : new Map<number, number>();
  const workers = part !== 'trackers' ? await measurePricingScaling({ requests, runId, adminUrl, pgUrl: config.postgres.url }) : new Map<number, number>();

  const print = (title: string, unit: string, figures: Map<number, number>, what: (n: number) => string) => {
    const single = figures.get(1);
    if (single === undefined) return;
    for (const [n, rate] of figures) {
      if (n === 1) continue;
      printFigures(
        `${title}: ${what(n)}`,
        [
          { label: what(n), value: rate, unit },
          { label: `${what(1)} (baseline)`, value: single, unit },
          { label: `per replica, ${what(n)}`, value: rate / n, unit },
        ],
        { label: `${what(n)} / ${what(1)}`, value: rate / single },
      );
    }
  };
  print(`trackers, one group, ${config.kafka.partitions} partitions`, 'events/s', trackers, (n) => `${n} tracker${n > 1 ? 's' : ''}`);
  print(`pricing workers, one queue, ${PRICING_THREADS} thread each`, 'analyses/s', workers, (n) => `${n} worker${n > 1 ? 's' : ''}`);
}

interface TrackerScaling {
  readonly events: number;
  readonly orders: number;
  readonly runId: string;
  readonly adminUrl: string;
  readonly pgUrl: string;
  readonly kafka: ReturnType<typeof loadConfig>['kafka'];
}

/** Events/s applied by 1, 2 and 3 trackers, each run on the whole topic with a fresh group and database. */
async function measureTrackerScaling(o: TrackerScaling): Promise<Map<number, number>> {
  const topic = `orderscope-bench-scale-${o.runId}`;
  const stream = { events: o.events, orders: o.orders, runId: o.runId };
  const figures = new Map<number, number>();
  try {
    const published = await produce({ ...o.kafka, topic }, stream);
    console.log(`  published to Kafka at ${Math.round(published).toLocaleString('en-US')} events/s (setup)`);
    for (const replicas of [1, 2, 3]) {
      const database = `orderscope_bench_${o.runId}_t${replicas}`;
      await adminQuery(o.adminUrl, `CREATE DATABASE ${database}`);
      try {
        const url = withDatabase(o.pgUrl, database);
        // Apply alone: the stream's events are from January 2026. Each replica's sweeper waits for the
        // backlog it found at start, the whole topic, and then finds every order shipped; the next
        // sweep, an hour away, never comes.
        const result = await measureTrackers(url, { ...o.kafka, topic, groupId: `orderscope-bench-${o.runId}-${replicas}` }, o.events, {
          replicas,
          env: { ORDERSCOPE_TRACKER_SWEEP_INTERVAL_MS: String(3_600_000) },
        });
        await checkStore(url, stream);
        const cores = (n: number) => n.toFixed(2);
        console.log(`  ${replicas} tracker(s): ${Math.round(result.rate).toLocaleString('en-US')} events/s, peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MiB per replica`);
        console.log(`    cores used: trackers ${cores(result.cores.trackers)}, PostgreSQL ${cores(result.cores.postgres)}, Kafka ${cores(result.cores.kafka)} (of ${availableParallelism()} on this machine)`);
        figures.set(replicas, result.rate);
      } finally {
        await adminQuery(o.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    }
  } finally {
    await deleteTopic(o.kafka.brokers, topic).catch((err: unknown) => console.error(`could not delete topic ${topic}: ${String(err)}`));
  }
  return figures;
}

interface PricingScaling {
  readonly requests: number;
  readonly runId: string;
  readonly adminUrl: string;
  readonly pgUrl: string;
}

/**
 * Cost analyses per second of 1, 2 and 4 workers: the workers start on an empty queue and join it;
 * once all are ready, `requests` cost-analysis requests are published at once, and the time runs
 * until the last one is quoted in the MES database.
 */
async function measurePricingScaling(o: PricingScaling): Promise<Map<number, number>> {
  const vhost = await createVhost('orderscope-bench');
  const database = `orderscope_bench_${o.runId}_mes`;
  await adminQuery(o.adminUrl, `CREATE DATABASE ${database}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-bench-scale-'));
  const sink = await startEventSink();
  const figures = new Map<number, number>();
  const db = new Client({ connectionString: withDatabase(o.pgUrl, database) });
  try {
    await db.connect();
    for (const workers of [1, 2, 4]) {
      const prefix = `bench-${o.runId}-w${workers}-`;
      const started = await startWorkers(workers, { amqpUrl: vhost.url, databaseUrl: withDatabase(o.pgUrl, database), collectorUrl: sink.url, dir });
      try {
        const began = process.hrtime.bigint();
        await publishPricingRequests(vhost.url, prefix, o.requests);
        for (let lastCount = -1, lastChange = Date.now(); ; ) {
          const exited = started.find((c) => c.child.exitCode !== null);
          if (exited) throw new Error(`a pricing worker exited with code ${exited.child.exitCode}`);
          const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pricing_jobs WHERE state = 'quoted' AND order_id LIKE $1`, [`${prefix}%`]);
          const quoted = rows[0]!.n;
          if (quoted >= o.requests) break;
          if (quoted !== lastCount) [lastCount, lastChange] = [quoted, Date.now()];
          if (Date.now() - lastChange > 120_000) throw new Error(`no progress for 2 minutes at ${quoted} of ${o.requests} cost analyses`);
          await pause(50);
        }
        const rate = o.requests / (Number(process.hrtime.bigint() - began) / 1e9);
        console.log(`  ${workers} pricing worker(s): ${rate.toFixed(1)} cost analyses/s`);
        figures.set(workers, rate);
      } finally {
        await stopAll(started);
      }
    }
  } finally {
    await db.end().catch(() => undefined);
    await new Promise((resolve) => sink.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
    await adminQuery(o.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await vhost.drop();
  }
  return figures;
}

async function startWorkers(count: number, where: { amqpUrl: string; databaseUrl: string; collectorUrl: string; dir: string }): Promise<CliProcess[]> {
  const specs: CliProcessSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const instance = `bench-w${i}`;
    specs.push({
      name: `pricing worker ${i}`,
      port,
      env: { ORDERSCOPE_TOKEN: 'bench' },
      args: [
        'pipeline',
        'mes-worker',
        '--instance',
        instance,
        '--port',
        String(port),
        '--amqp-url',
        where.amqpUrl,
        '--database-url',
        where.databaseUrl,
        '--collector-url',
        where.collectorUrl,
        '--spool-dir',
        path.join(where.dir, instance),
        '--concurrency',
        String(PRICING_THREADS),
        '--toggle',
        'pricingCache=false',
        '--log-level',
        'warn',
      ],
    });
  }
  return startCliProcesses(specs);
}

/** Publishes `count` cost-analysis requests for distinct parts, as the shop does (persistent, confirmed). */
async function publishPricingRequests(url: string, prefix: string, count: number): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    await assertWorkQueue(channel, QUEUES.pricing);
    for (let i = 0; i < count; i++) {
      const request = {
        order_id: `${prefix}${i}`,
        customer_id: `C-${i % 50}`,
        segment: i % 5 === 0 ? 'b2b' : 'b2c',
        part: { part_number: `${prefix}P${i}`, material: 'steel', dimensions_mm: { x: 10 + (i % 90), y: 20, z: 30 }, tolerance_mm: 0.1, finish: 'none' },
        quantity: 1 + (i % 10),
      };
      channel.publish(EXCHANGE, QUEUES.pricing.routingKey, Buffer.from(JSON.stringify(request)), { persistent: true, contentType: 'application/json', messageId: `pricing:${request.order_id}` });
    }
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Where the workers' agents post their order events: reads each batch and answers 202, every event accepted. */
async function startEventSink(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8').trim();
      const accepted = body.startsWith('[') ? (JSON.parse(body) as unknown[]).length : body.split('\n').filter(Boolean).length;
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted, rejected: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
