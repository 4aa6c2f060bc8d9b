/**
 * `npm run bench -- agent` (its arguments: `usage` below)
 *
 * What the Node agent costs a service: requests/s of an endpoint with the agent (OpenTelemetry
 * tracing of http, pg and amqplib with spans exported over OTLP/HTTP, RED metrics middleware, the
 * log mixin, trackOrder, events batched and posted) beside the same endpoint without
 * it, and the CPU time the app spends per request with and without it. Two endpoints (see
 * support/agent-apps.ts): a trivial express `GET /orders/:id`, where the agent is nearly all of the
 * work, and the pipeline shop's real `POST /orders` (two PostgreSQL transactions and a RabbitMQ
 * publish, on this machine's servers, in a database and a virtual host of the bench's own, created
 * and dropped by it), where the goal of issue 18 is set.
 *
 * Each app runs in a child process of its own (the agent must start before express is loaded) and
 * gets the same loopback load: a fixed number of keep-alive connections, each sending its next
 * request as soon as the last is answered, for the same total duration, in alternating rounds.
 *
 * The collector and the OTLP endpoint are a sink in this process that answers at once (202, 200):
 * the figure is the agent's cost inside the service, not the collector's. Spans go in the agent's
 * default encoding, protobuf; OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json in the bench's environment
 * (the apps inherit it) measures JSON instead. Likewise OTEL_NODE_ENABLED_INSTRUMENTATIONS and
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS choose the agent's instrumentations (all by default; the
 * figures name those that ran): what each costs is the difference between two runs. And
 * OTEL_TRACES_EXPORTER=none makes the spans without sending them, OTEL_TRACES_SAMPLER=always_off
 * (OpenTelemetry's own variable) records none.
 *
 * CPU time per request on a shared host moves by a third from run to run, more than many a change
 * to the agent is worth. `--count instructions` counts instead, under valgrind (support/
 * instruction-count.ts), the machine instructions each app executes per request: after
 * `--warmup-requests`, two windows of `--requests` each, one app after the other. V8 still compiles
 * for thousands of requests: on the trivial endpoint, the window of 5,000 right after 3,000 requests
 * counted 13 % (plain) and 28 % (agent) more than the next, and the three windows after it agreed
 * within 0.2 % (plain) and 3.5 % (agent); the two windows side by side show whether the count has
 * settled. Counts are steadier than times but not immune to the machine: beside a test suite and
 * another counted app, two runs counted a fifth to a third more than quiet runs of the same build.
 * So they too are taken on a quiet machine, and builds are compared in runs side by side. It takes
 * minutes, as the apps run some 50 times slower, which is also why the agent's event batches are made
 * to fill by size there (a linger of minutes instead of 200 ms), as they do at full speed.
 *
 * `--cpu-prof DIR` has each app write V8's CPU profile of its whole run (warm-up included) to
 * DIR/<endpoint>-<variant>.cpuprofile, for Chrome's DevTools or `node dist/bench/support/cpu-profile.js`.
 * The profiler costs the apps time of its own: the figures of such a run are not compared with others.
 * It profiles a timed run only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AGENT_ENV_NAMES, parseAgentOptions } from '../agents/node';
import { decodeOtlpTraces } from '../agents/test/otlp-traces';
import { loadConfig } from '../common';
import { orderFromCatalogue, partCatalogue } from '../pipeline';
import { printFigures } from './report-figures';
import type { AppCommand, AppSpec, Endpoint, Variant } from './support/agent-apps';
import { APP_SPEC_ENV } from './support/agent-apps';
import { choice, flag, positiveNumber, text, UsageError } from './support/args';
import { countingCommand, countSinceZero, zeroCount } from './support/instruction-count';
import { adminQuery, withDatabase } from './support/database';
import { createVhost } from './support/rabbitmq-vhost';

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
}

/** A variant's totals over all its rounds: the load's view and the app's own CPU time. */
interface Totals extends LoadResult {
  cpuMicros: number;
}

interface LoadSettings {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  /** Where each app writes its CPU profile, if anywhere. */
  cpuProfDir?: string;
}

/** The i-th request of the load. */
interface RequestOf {
  (i: number): { method: 'GET' | 'POST'; path: string; body?: string };
}

/** Each endpoint's load, and the status of an answer that counts as served. */
const ENDPOINTS: Record<Endpoint, { title: string; request: RequestOf; status: number }> = {
  trivial: {
    title: 'express GET /orders/:id (the RED middleware and 1 trackOrder per request)',
    request: (i) => ({ method: 'GET', path: `/orders/SO-${i}` }),
    status: 200,
  },
  shop: {
    title: "the pipeline shop's POST /orders (PostgreSQL, RabbitMQ; 2 trackOrder and 2 log lines per request)",
    request: shopOrder(),
    status: 201,
  },
};

/** The arguments it takes, for `npm run bench -- agent --help` and for a wrong argument. */
export const usage = 'agent [--endpoint trivial|shop|both] [--duration 10] [--warmup 2] [--connections 16] [--rounds 4] [--cpu-prof DIR]\nagent --count instructions [--endpoint …] [--requests 5000] [--warmup-requests 8000] [--connections 16]';

export async function run(args: string[]): Promise<void> {
  const settings: LoadSettings = {
    durationS: positiveNumber(args, '--duration', 10),
    warmupS: positiveNumber(args, '--warmup', 2),
    connections: flag(args, '--connections', 16),
    rounds: flag(args, '--rounds', 4),
    cpuProfDir: text(args, '--cpu-prof'),
  };
  const chosen = endpointArg(args);
  const counting = choice(args, '--count', ['time', 'instructions'], 'time') === 'instructions' && { requests: flag(args, '--requests', 5000), warmupRequests: flag(args, '--warmup-requests', 8000), connections: settings.connections };
  if (counting && settings.cpuProfDir) throw new UsageError('--cpu-prof profiles a timed run: leave out --count instructions (valgrind and the profiler would measure each other)');
  // What the agent apps will run, read from this environment (they inherit it) as their agent reads it; a name it does not have is refused here.
  const { instrumentations } = parseAgentOptions({ service: 'bench', collectorUrl: 'http://127.0.0.1:7400', token: 'bench' }, AGENT_ENV_NAMES).tracing;
  const sink = await startSink();
  try {
    for (const endpoint of chosen) {
      if (counting) await countInstructions(endpoint, counting, sink, instrumentations);
      else await measure(endpoint, settings, sink, instrumentations);
    }
  } finally {
    await new Promise((r) => sink.server.close(r));
  }
}

/** Runs the plain and the agent app of `endpoint` side by side and prints their figures. */
async function measure(endpoint: Endpoint, s: LoadSettings, sink: Sink, instrumentations: readonly string[]): Promise<void> {
  const { title, request, status } = ENDPOINTS[endpoint];
  const backing = endpoint === 'shop' ? await shopBacking() : undefined;
  const apps: App[] = [];
  const sent = { ...sink.counts };
  try {
    for (const variant of ['plain', 'agent'] as const) {
      const profiling = s.cpuProfDir ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', s.cpuProfDir, '--cpu-prof-name', `${endpoint}-${variant}.cpuprofile`] } : undefined;
      apps.push(await startApp({ endpoint, variant, sinkUrl: sink.url, ...backing?.of(variant) }, profiling));
    }
    // Every request each app answered, warm-up included: what its events and spans are counted against.
    const served = new Map<Variant, number>([['plain', 0], ['agent', 0]]);
    const load = async (app: App, ms: number) => {
      const result = await loadApp(app.port, { ms }, s.connections, request, status);
      served.set(app.variant, served.get(app.variant)! + result.requests + result.errors);
      return result;
    };
    for (const app of apps) await load(app, s.warmupS * 1000);
    // Short alternating rounds (plain, agent, agent, plain, ...): a change in the machine's load during
    // the run (other processes on a shared host) then weighs on both variants alike.
    const totals = new Map<Variant, Totals>(apps.map((a) => [a.variant, { requests: 0, errors: 0, seconds: 0, cpuMicros: 0 }]));
    for (let round = 0; round < s.rounds; round++) {
      for (const app of round % 2 === 0 ? apps : [...apps].reverse()) {
        const cpuBefore = await app.cpuMicros();
        const result = await load(app, (s.durationS * 1000) / s.rounds);
        const total = totals.get(app.variant)!;
        total.cpuMicros += (await app.cpuMicros()) - cpuBefore;
        total.requests += result.requests;
        total.errors += result.errors;
        total.seconds += result.seconds;
      }
    }
    // Stopped before the figures: the agent's shutdown delivers the events and spans still queued.
    for (const app of apps) await app.stop();
    const rate = (v: Variant) => totals.get(v)!.requests / totals.get(v)!.seconds;
    const cpuPerRequest = (v: Variant) => totals.get(v)!.cpuMicros / totals.get(v)!.requests;
    const ratio = rate('agent') / rate('plain');
    printFigures(
      `agent: ${title}, on loopback, ${s.connections} keep-alive connections, ${s.durationS} s each in ${s.rounds} alternating rounds (after ${s.warmupS} s of warm-up)`,
      [
        { label: 'without the agent', value: rate('plain'), unit: 'requests/s' },
        { label: `with the agent (instrumentations: ${instrumentations.join(', ') || 'none'})`, value: rate('agent'), unit: 'requests/s' },
      ],
      { label: 'ratio (with / without)', value: ratio },
    );
    // Within the noise the agent can come out ahead: said so, not as "-3 % fewer".
    console.log(`  overhead: ${(Math.abs(1 - ratio) * 100).toFixed(1)} % ${ratio <= 1 ? 'fewer' : 'more'} requests/s`);
    // CPU time per request, measured inside each app, depends much less on what else runs on the host.
    console.log(
      `  CPU time per request in the app: ${cpuPerRequest('plain').toFixed(1)} µs without, ${cpuPerRequest('agent').toFixed(1)} µs with the agent ` +
        `(${signed(cpuPerRequest('agent') - cpuPerRequest('plain'), 1)} µs, ${signed((cpuPerRequest('agent') / cpuPerRequest('plain') - 1) * 100, 0)} %)`,
    );
    // What reached the sink against every request the agent app served, warm-up included: whether each
    // request's events and spans were delivered (a span processor whose queue overflows drops spans).
    const received = { events: sink.counts.events - sent.events, spans: sink.counts.spans - sent.spans };
    const agentServed = served.get('agent')!;
    console.log(
      `  the sink received ${(received.events / agentServed).toFixed(2)} events and ${(received.spans / agentServed).toFixed(2)} spans per request the agent app served ` +
        `(${sink.counts.eventPosts - sent.eventPosts} event batches, ${sink.counts.spanExports - sent.spanExports} span exports); ` +
        `failed requests: ${totals.get('plain')!.errors} without, ${totals.get('agent')!.errors} with`,
    );
  } finally {
    for (const app of apps) await app.stop();
    await backing?.drop();
  }
}

interface CountSettings {
  requests: number;
  warmupRequests: number;
  connections: number;
}

/**
 * The instructions per request of the plain and the agent app of `endpoint`, each counted under
 * valgrind in two windows of `requests` after its warm-up (see the top of this file), and what the
 * agent adds.
 */
async function countInstructions(endpoint: Endpoint, s: CountSettings, sink: Sink, instrumentations: readonly string[]): Promise<void> {
  const { title, request, status } = ENDPOINTS[endpoint];
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-bench-count-'));
  const perRequest = new Map<Variant, number[]>();
  const warnings: string[] = [];
  let backing: Awaited<ReturnType<typeof shopBacking>> | undefined;
  try {
    // First, so that without valgrind no database or app is made.
    const command = countingCommand(outDir);
    if (endpoint === 'shop') backing = await shopBacking();
    for (const variant of ['plain', 'agent'] as const) {
      const app = await startApp({ endpoint, variant, sinkUrl: sink.url, lingerMs: COUNTED_LINGER_MS, ...backing?.of(variant) }, command);
      try {
        const warmup = await loadApp(app.port, { requests: s.warmupRequests }, s.connections, request, status);
        // Not counted, so a failure there changes no figure; it is said, as at valgrind's pace a
        // keep-alive connection the app closes can meet a request now and then.
        if (warmup.errors > 0) warnings.push(`the ${variant} app failed ${warmup.errors} of ${s.warmupRequests} warm-up requests (not counted)`);
        const windows: number[] = [];
        for (let w = 0; w < 2; w++) {
          zeroCount(app.pid);
          const result = await loadApp(app.port, { requests: s.requests }, s.connections, request, status);
          if (result.errors > 0) throw new Error(`the ${variant} ${endpoint} app failed ${result.errors} of ${s.requests} requests while counted`);
          windows.push(countSinceZero(app.pid, outDir) / s.requests);
        }
        perRequest.set(variant, windows);
      } finally {
        await app.stop();
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    await backing?.drop();
  }
  const [plain, agent] = [perRequest.get('plain')!, perRequest.get('agent')!];
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const added = agent.map((a, w) => a - plain[w]!);
  printFigures(
    `agent: ${title}, instructions counted under valgrind in two windows of ${s.requests} requests each (after ${s.warmupRequests} of warm-up), ${s.connections} keep-alive connections`,
    [
      { label: 'without the agent', value: mean(plain), unit: 'instructions per request' },
      { label: `with the agent (instrumentations: ${instrumentations.join(', ') || 'none'})`, value: mean(agent), unit: 'instructions per request' },
    ],
    { label: 'ratio (with / without)', value: mean(agent) / mean(plain) },
  );
  console.log(`  window by window: ${plain.map(thousands).join(' and ')} without, ${agent.map(thousands).join(' and ')} with the agent`);
  console.log(`  added by the agent: ${signedThousands(mean(added))} instructions per request (window by window ${added.map(signedThousands).join(' and ')})`);
  for (const warning of warnings) console.log(`  ${warning}`);
}

/**
 * The agent's event linger while counted: long enough that its batches fill by size (500 events) as
 * under load at full speed, where at valgrind's pace 200 ms would send a batch every dozen requests.
 */
const COUNTED_LINGER_MS = 600_000;

/**
 * A PostgreSQL database and a RabbitMQ virtual host for each variant of the shop, as each replica of
 * a real shop has its servers to itself; dropped with everything in them at the end.
 */
async function shopBacking(): Promise<{ of(variant: Variant): Pick<AppSpec, 'databaseUrl' | 'amqpUrl'>; drop(): Promise<void> }> {
  const pgUrl = loadConfig().postgres.url;
  const adminUrl = withDatabase(pgUrl, 'postgres');
  const runId = randomBytes(4).toString('hex');
  const database = (v: Variant) => `orderscope_bench_agent_${runId}_${v}`;
  const made: { db: string[]; vhosts: Awaited<ReturnType<typeof createVhost>>[] } = { db: [], vhosts: [] };
  const drop = async () => {
    for (const db of made.db) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    for (const vhost of made.vhosts) await vhost.drop();
  };
  try {
    for (const v of ['plain', 'agent'] as const) {
      await adminQuery(adminUrl, `CREATE DATABASE ${database(v)}`);
      made.db.push(database(v));
      made.vhosts.push(await createVhost('orderscope-bench'));
    }
  } catch (err) {
    await drop();
    throw err;
  }
  return { of: (v) => ({ databaseUrl: withDatabase(pgUrl, database(v)), amqpUrl: made.vhosts[v === 'plain' ? 0 : 1]!.url }), drop };
}

/** The orders of the shop's load: the driver's customers ordering from a catalogue of 100 parts. */
function shopOrder(): RequestOf {
  const catalogue = partCatalogue(100, 'P-BENCH');
  return (i) => ({ method: 'POST', path: '/orders', body: JSON.stringify(orderFromCatalogue(i, catalogue)) });
}

interface App {
  variant: Variant;
  pid: number;
  port: number;
  /** User plus system CPU time the app has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the app of `spec` in a child process (support/agent-apps.ts), with a spool directory of its
 * own, and waits until it listens; with `runner`, under valgrind (support/instruction-count.ts) or with a profiler.
 */
async function startApp(spec: Omit<AppSpec, 'spoolDir'>, runner?: { execPath?: string; execArgv: string[] }): Promise<App> {
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-bench-agent-'));
  const child = fork(path.join(__dirname, 'support', 'agent-apps.js'), [], {
    ...runner,
    env: { ...process.env, [APP_SPEC_ENV]: JSON.stringify({ ...spec, spoolDir }) },
    // Log lines go nowhere (as to a log shipper that keeps up); errors show.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const stop = async () => {
    await stopChild(child);
    rmSync(spoolDir, { recursive: true, force: true });
  };
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpuMicros: number }) => resolve(m.cpuMicros));
      child.send('cpu' satisfies AppCommand);
    });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the ${spec.variant} ${spec.endpoint} app exited with ${code} before listening`)));
    });
    return { variant: spec.variant, pid: child.pid!, port, cpuMicros, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Keeps `connections` requests in flight on keep-alive connections until the time is up, or until `requests` were sent. */
async function loadApp(port: number, limit: { ms: number } | { requests: number }, connections: number, request: RequestOf, okStatus: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { requests: 0, errors: 0, seconds: 0 };
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const { method, path: requestPath, body } = request(next++);
      const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request({ host: '127.0.0.1', port, method, path: requestPath, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === okStatus) result.requests++;
          else result.errors++;
          resolve();
        });
      });
      req.on('error', () => {
        result.errors++;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  const deadline = 'ms' in limit ? Date.now() + limit.ms : Infinity;
  const last = 'requests' in limit ? limit.requests : Infinity;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline && next < last) await one();
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

interface Sink {
  server: http.Server;
  url: string;
  counts: SinkCounts;
}

/** What the sink received: requests, and the events (counted by their id fields, without parsing) and spans in them. */
interface SinkCounts {
  eventPosts: number;
  events: number;
  spanExports: number;
  spans: number;
}

/**
 * Stands in for the collector (202 to every batch) and the OTLP endpoint (200). It counts the events
 * and spans it receives, so that the figures show what the agent delivered per request (a span
 * processor that drops spans under load would look cheap).
 */
async function startSink(): Promise<Sink> {
  const counts: SinkCounts = { eventPosts: 0, events: 0, spanExports: 0, spans: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/v1/events') {
        counts.eventPosts++;
        counts.events += occurrences(body.toString('utf8'), '"event_id":');
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":0,"rejected":[]}');
      } else {
        counts.spanExports++;
        counts.spans += decodeOtlpTraces(body, req.headers['content-type']).length;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, counts, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** A count in thousands: 1,026k. */
function thousands(value: number): string {
  return `${Math.round(value / 1000).toLocaleString('en-US')}k`;
}

/** A count with its sign, in thousands: +366k. */
function signedThousands(value: number): string {
  return `${value < 0 ? '−' : '+'}${thousands(Math.abs(value))}`;
}

/** `value` with its sign, + or −, to `digits` decimals. */
function signed(value: number, digits: number): string {
  return `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(digits)}`;
}

function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) count++;
  return count;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop' satisfies AppCommand);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `--endpoint trivial|shop|both`, both by default: the endpoints to measure, in order. */
function endpointArg(args: string[]): Endpoint[] {
  const value = choice(args, '--endpoint', ['trivial', 'shop', 'both'], 'both');
  return value === 'both' ? ['trivial', 'shop'] : [value];
}
