import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { KafkaPublisher } from '../bus';
import { createCollector } from '../collector';
import { hashToken, loadConfig, type Config } from '../common';
import { printFigures } from './report-figures';
import { benchEvent } from './support/bench-events';
import { kafkaClients } from './support/args';

/**
 * `npm run bench -- collector [--seconds 10] [--concurrency 8] [--batch 100] [--client kafkajs|platformatic|both]`:
 * events per second through `POST /v1/events` into the real Kafka broker on 127.0.0.1:9092, beside
 * the ceiling of a bare Node http server that reads and JSON.parses the same bodies and answers 202.
 * With both Kafka clients (the default), the collector is measured on each, one after the other, and
 * their ratio is printed too. Each server runs in its own worker thread; the load comes from
 * keep-alive clients on the main thread, over loopback.
 */

interface Role {
  role: 'collector' | 'baseline';
  topic: string;
  /** The Kafka client of the collector's bus (unused by the baseline). */
  client: Config['kafka']['client'];
  /** The ingest token, made once by the main thread (a module constant would differ per thread). */
  token: string;
}

interface Options {
  seconds: number;
  concurrency: number;
  batch: number;
}

export async function run(args: string[]): Promise<void> {
  const { clients, rest } = kafkaClients(args);
  const options = parseArgs(rest);
  const bodies = makeBodies(200, options.batch);
  const topic = `orderscope-bench-${Date.now()}`;
  const token = `bench-${randomUUID()}`;
  console.log(
    `collector benchmark: ${options.seconds} s per server after 2 s of warm-up, ${options.concurrency} keep-alive clients, ` +
      `${options.batch} events per request (${Math.round(bodies[0]!.length / 1024)} KiB), Kafka topics ${topic}-<client>, Kafka clients ${clients.join(' and ')}`,
  );
  const baseline = await measure({ role: 'baseline', topic, client: clients[0]!, token }, bodies, options);
  const collectors: { client: string; m: Measurement }[] = [];
  // Each client its own topic: the second does not write behind the first's messages.
  for (const client of clients) collectors.push({ client, m: await measure({ role: 'collector', topic: `${topic}-${client}`, client, token }, bodies, options) });
  for (const [name, m] of [['baseline', baseline] as const, ...collectors.map(({ client, m }) => [`collector on ${client}`, m] as const)]) {
    if (m.failed > 0) console.log(`  ${name}: ${m.failed} requests were not answered 202 (first: ${m.firstFailure})`);
  }
  for (const { client, m: collector } of collectors) {
    printFigures(
      `POST /v1/events, batches of ${options.batch}, ${options.concurrency} clients, Kafka client ${client}`,
      [
        { label: 'collector (validate + auth + Kafka acks=all)', value: collector.eventsPerSecond, unit: 'events/s' },
        { label: 'baseline (http + JSON.parse, answer 202)', value: baseline.eventsPerSecond, unit: 'events/s' },
        { label: 'collector p50 request latency', value: collector.p50Ms, unit: 'ms' },
        { label: 'baseline p50 request latency', value: baseline.p50Ms, unit: 'ms' },
      ],
      { label: 'collector / baseline throughput', value: collector.eventsPerSecond / baseline.eventsPerSecond },
    );
  }
  const [first, second] = collectors;
  if (first && second) {
    printFigures(
      `the Kafka clients compared, same run`,
      collectors.map(({ client, m }) => ({ label: `collector on ${client}`, value: m.eventsPerSecond, unit: 'events/s' })),
      { label: `${second.client} / ${first.client} throughput`, value: second.m.eventsPerSecond / first.m.eventsPerSecond },
    );
  }
}

function parseArgs(args: string[]): Options {
  const options: Options = { seconds: 10, concurrency: 8, batch: 100 };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]?.replace(/^--/, '') as keyof Options;
    const value = Number(args[i + 1]);
    if (!(key in options) || !Number.isInteger(value) || value < 1) throw new Error(`usage: npm run bench -- collector [--seconds N] [--concurrency N] [--batch N] [--client kafkajs|platformatic|both]`);
    options[key] = value;
  }
  options.seconds = Math.min(options.seconds, 60);
  return options;
}

function makeBodies(count: number, batch: number): Buffer[] {
  const now = Date.now();
  return Array.from({ length: count }, () => Buffer.from(JSON.stringify(Array.from({ length: batch }, (_, i) => benchEvent(now, i)))));
}

interface Measurement {
  eventsPerSecond: number;
  p50Ms: number;
  failed: number;
  firstFailure?: string;
}

async function measure(role: Role, bodies: Buffer[], options: Options): Promise<Measurement> {
  const worker = new Worker(__filename, { workerData: role });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(m.error))));
      worker.once('error', reject);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
    await load(url, role.token, agent, bodies, options.concurrency, 2000); // warm-up: JIT, connections, Kafka metadata
    const result = await load(url, role.token, agent, bodies, options.concurrency, options.seconds * 1000);
    agent.destroy();
    return result;
  } finally {
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}

async function load(url: string, token: string, agent: Agent, bodies: Buffer[], concurrency: number, durationMs: number): Promise<Measurement> {
  const endpoint = new URL('/v1/events', url);
  const latencies: number[] = [];
  let accepted = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length]!;
      const t0 = performance.now();
      const answer = await post(endpoint, token, agent, body);
      latencies.push(performance.now() - t0);
      if (answer.status === 202) accepted += (JSON.parse(answer.body) as { accepted: number }).accepted;
      else {
        failed++;
        firstFailure ??= `${answer.status} ${answer.body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { eventsPerSecond: accepted / elapsedSeconds, p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0, failed, firstFailure };
}

function post(url: URL, token: string, agent: Agent, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Worker side: serve one of the two servers on a free loopback port until told to stop. */
async function serve({ role, topic, client, token }: Role): Promise<void> {
  let stop: () => Promise<void>;
  let url: string;
  if (role === 'baseline') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: events.length, rejected: [] }));
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stop = () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
  } else {
    const config = loadConfig({
      env: {},
      overrides: {
        collector: { port: 0, rateLimitEventsPerSecond: 0 },
        kafka: { topic, partitions: 6, client },
        tokens: [{ name: 'bench', sha256: hashToken(token), sources: ['*'], scopes: ['ingest'] }],
      },
    });
    const bus = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: config.collector.publishTimeoutMs });
    await bus.start();
    const collector = createCollector({ config, bus });
    url = (await collector.start()).url;
    stop = async () => {
      await collector.close();
      await bus.close();
    };
  }
  parentPort!.once('message', () => {
    void stop().then(() => process.exit(0));
  });
  parentPort!.postMessage({ url });
}

if (!isMainThread && (workerData as Role | undefined)?.role) {
  serve(workerData as Role).catch((err: unknown) => parentPort!.postMessage({ error: String(err) }));
}
