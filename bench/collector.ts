import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { KafkaPublisher } from '../bus';
import { createCollector } from '../collector';
import { hashToken, loadConfig, type Config } from '../common';
import { printFigures } from './report-figures';
import { benchEvent } from './support/bench-events';
import { flag, kafkaClients } from './support/args';
import { cpuSeconds, pidsMatching, SERVER_PROCESSES, threadCpuSeconds } from './support/cpu-time';
import { deleteTopic } from './support/tracker-run';

/**
 * `npm run bench -- collector` (its arguments: `usage` below):
 * events per second through `POST /v1/events` into the real Kafka broker on 127.0.0.1:9092, beside
 * the ceiling of a bare Node http server that reads and JSON.parses the same bodies and answers 202.
 * With both Kafka clients (the default), the collector is measured on each, and their ratio is
 * printed too. Each server runs in its own worker thread, started once; the load comes from
 * keep-alive clients on the main thread, over loopback.
 *
 * The servers take turns, `seconds` each, for `rounds` rounds: the machine's speed drifts within a
 * minute (the bare server alone served 894k, 606k, 550k, 541k and 417k events/s in five turns of
 * one run), and a baseline measured in one stretch and a collector in the next carried that drift
 * into their ratio. Each figure is the sum over its turns; the spread of the per-round ratios is
 * printed beside it.
 *
 * Beside throughput, the CPU time per event of each server's thread and of the Kafka broker (during
 * the collector's turns): a change to the collector's own work shows there with less of the noise
 * that the machine's scheduling puts into events per second. Read from /proc (Linux); left out
 * where it is missing.
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
  rounds: number;
  concurrency: number;
  batch: number;
}

/** The arguments it takes, for `npm run bench -- collector --help` and for a wrong argument. */
export const usage = 'collector [--seconds 5] [--rounds 3] [--concurrency 8] [--batch 100] [--client kafkajs|platformatic|both]';

export async function run(args: string[]): Promise<void> {
  const { clients, rest } = kafkaClients(args);
  const options = parseArgs(rest);
  const bodies = makeBodies(200, options.batch);
  const topic = `orderscope-bench-${Date.now()}`;
  const token = `bench-${randomUUID()}`;
  console.log(
    `collector benchmark: ${options.rounds} rounds of ${options.seconds} s per server, taking turns, after 2 s of warm-up each; ` +
      `${options.concurrency} keep-alive clients, ${options.batch} events per request (${Math.round(bodies[0]!.length / 1024)} KiB), ` +
      `Kafka topics ${topic}-<client>, Kafka clients ${clients.join(' and ')}`,
  );
  const roles: Role[] = [
    { role: 'baseline', topic, client: clients[0]!, token },
    // Each client its own topic: the second does not write behind the first's messages.
    ...clients.map((client): Role => ({ role: 'collector', topic: `${topic}-${client}`, client, token })),
  ];
  const servers: Server[] = [];
  try {
    for (const role of roles) servers.push(await startServer(role, bodies, options));
    const turns = servers.map((): Turn[] => []);
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, server] of servers.entries()) turns[i]!.push(await server.measure(options.seconds * 1000));
    }
    report(clients, turns, options);
  } finally {
    for (const server of servers) await server.stop();
    // The broker keeps every topic until it is deleted, and recovers each of them at its every start.
    const brokers = loadConfig({ env: {} }).kafka.brokers;
    for (const role of roles.slice(1)) await deleteTopic(brokers, role.topic).catch((err: unknown) => console.error(`could not delete topic ${role.topic}: ${String(err)}`));
  }
}

/** `turns`: the baseline's, then each client's collector's. */
function report(clients: readonly string[], turns: readonly Turn[][], options: Options): void {
  const totals = turns.map(combine);
  const [baseline, ...collectors] = totals;
  for (const [name, m] of totals.map((m, i) => [i === 0 ? 'baseline' : `collector on ${clients[i - 1]}`, m] as const)) {
    if (m.failed > 0) console.log(`  ${name}: ${m.failed} requests were not answered 202 (first: ${m.firstFailure})`);
  }
  collectors.forEach((collector, i) => {
    const rate = (t: Turn) => t.accepted / t.elapsedSeconds;
    const perRound = turns[i + 1]!.map((t, round) => rate(t) / rate(turns[0]![round]!));
    printFigures(
      `POST /v1/events, batches of ${options.batch}, ${options.concurrency} clients, Kafka client ${clients[i]}`,
      [
        { label: 'collector (validate + auth + Kafka acks=all)', value: collector!.eventsPerSecond, unit: 'events/s' },
        { label: 'baseline (http + JSON.parse, answer 202)', value: baseline!.eventsPerSecond, unit: 'events/s' },
        { label: 'collector p50 request latency', value: collector!.p50Ms, unit: 'ms' },
        { label: 'baseline p50 request latency', value: baseline!.p50Ms, unit: 'ms' },
        ...cpuFigures(collector!, baseline!),
      ],
      { label: `collector / baseline throughput (rounds ${Math.min(...perRound).toFixed(3)} to ${Math.max(...perRound).toFixed(3)})`, value: collector!.eventsPerSecond / baseline!.eventsPerSecond },
    );
  });
  const [first, second] = collectors;
  if (first && second) {
    printFigures(
      `the Kafka clients compared, same run`,
      collectors.map((m, i) => ({ label: `collector on ${clients[i]}`, value: m.eventsPerSecond, unit: 'events/s' })),
      { label: `${clients[1]} / ${clients[0]} throughput`, value: second.eventsPerSecond / first.eventsPerSecond },
    );
  }
}

/** The CPU time per event of the collector's thread, the baseline's and the broker's, where /proc gave them. */
function cpuFigures(collector: Measurement, baseline: Measurement): { label: string; value: number; unit: string }[] {
  if (collector.serverCpuMicros === undefined || baseline.serverCpuMicros === undefined) return [];
  return [
    { label: "collector thread's CPU", value: collector.serverCpuMicros, unit: 'µs per event' },
    { label: "baseline thread's CPU", value: baseline.serverCpuMicros, unit: 'µs per event' },
    { label: "Kafka broker's CPU, in the collector's turns", value: collector.kafkaCpuMicros, unit: 'µs per event' },
  ];
}

function parseArgs(args: string[]): Options {
  return {
    seconds: Math.min(flag(args, '--seconds', 5), 60),
    rounds: Math.min(flag(args, '--rounds', 3), 20),
    concurrency: flag(args, '--concurrency', 8),
    batch: flag(args, '--batch', 100),
  };
}

function makeBodies(count: number, batch: number): Buffer[] {
  const now = Date.now();
  return Array.from({ length: count }, () => Buffer.from(JSON.stringify(Array.from({ length: batch }, (_, i) => benchEvent(now, i)))));
}

/** What one turn of load on a server saw. */
interface Turn {
  accepted: number;
  elapsedSeconds: number;
  /** Of every request, in ms. */
  latencies: number[];
  failed: number;
  firstFailure?: string;
  /** CPU seconds of the server's thread and of the Kafka broker during the turn; undefined where /proc has none. */
  serverCpuSeconds?: number;
  kafkaCpuSeconds: number;
}

interface Measurement {
  eventsPerSecond: number;
  /** µs per accepted event; undefined where a turn could not read them. */
  serverCpuMicros?: number;
  kafkaCpuMicros: number;
  p50Ms: number;
  failed: number;
  firstFailure?: string;
}

/** A server's turns together: all its events over all its time, the median of all its requests. */
function combine(turns: readonly Turn[]): Measurement {
  const latencies = turns.flatMap((t) => t.latencies).sort((a, b) => a - b);
  const accepted = turns.reduce((n, t) => n + t.accepted, 0);
  const serverCpu = turns.every((t) => t.serverCpuSeconds !== undefined) ? turns.reduce((s, t) => s + t.serverCpuSeconds!, 0) : undefined;
  return {
    eventsPerSecond: accepted / turns.reduce((s, t) => s + t.elapsedSeconds, 0),
    serverCpuMicros: serverCpu === undefined ? undefined : (serverCpu * 1e6) / accepted,
    kafkaCpuMicros: (turns.reduce((s, t) => s + t.kafkaCpuSeconds, 0) * 1e6) / accepted,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0,
    failed: turns.reduce((n, t) => n + t.failed, 0),
    firstFailure: turns.find((t) => t.firstFailure)?.firstFailure,
  };
}

interface Server {
  measure(durationMs: number): Promise<Turn>;
  stop(): Promise<void>;
}

/** Starts one server in its worker and warms it up (JIT, connections, Kafka metadata). */
async function startServer(role: Role, bodies: Buffer[], options: Options): Promise<Server> {
  const worker = new Worker(__filename, { workerData: role });
  const stop = async () => {
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  };
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(m.error))));
      worker.once('error', reject);
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const threadCpu = () =>
    new Promise<number | undefined>((resolve) => {
      worker.once('message', (m: { cpuSeconds?: number }) => resolve(m.cpuSeconds));
      worker.postMessage('cpu');
    });
  const measure = async (durationMs: number): Promise<Turn> => {
    const kafkaBefore = cpuSeconds(pidsMatching(SERVER_PROCESSES.kafka));
    const before = await threadCpu();
    const turn = await load(url, role.token, agent, bodies, options.concurrency, durationMs);
    const after = await threadCpu();
    const kafkaCpuSeconds = cpuSeconds(pidsMatching(SERVER_PROCESSES.kafka)) - kafkaBefore;
    return { ...turn, kafkaCpuSeconds, ...(before !== undefined && after !== undefined && { serverCpuSeconds: after - before }) };
  };
  const stopServer = async () => {
    agent.destroy();
    await stop();
  };
  try {
    await measure(2000);
  } catch (err) {
    await stopServer();
    throw err;
  }
  return { measure, stop: stopServer };
}

async function load(url: string, token: string, agent: Agent, bodies: Buffer[], concurrency: number, durationMs: number): Promise<Omit<Turn, 'kafkaCpuSeconds'>> {
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
  return { accepted, elapsedSeconds: (performance.now() - started) / 1000, latencies, failed, firstFailure };
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
  parentPort!.on('message', (message: 'cpu' | 'stop') => {
    if (message === 'cpu') parentPort!.postMessage({ cpuSeconds: threadCpuSeconds() });
    else void stop().then(() => process.exit(0));
  });
  parentPort!.postMessage({ url });
}

if (!isMainThread && (workerData as Role | undefined)?.role) {
  serve(workerData as Role).catch((err: unknown) => parentPort!.postMessage({ error: String(err) }));
}
