/**
 * `npm run bench -- agent [--duration 10] [--warmup 2] [--connections 16] [--rounds 4]`
 *
 * What the Node agent costs a service: requests/s of an express endpoint with the agent (OpenTelemetry
 * tracing of http and express with spans exported over OTLP/HTTP, RED metrics middleware, one
 * trackOrder per request, events batched and posted) beside the same endpoint without it. Each app
 * runs in a child process of its own (the agent must start before express is loaded) and gets the
 * same loopback load: a fixed number of keep-alive connections, each sending its next request as
 * soon as the last is answered, for the same total duration, in alternating rounds.
 *
 * The collector and the OTLP endpoint are a sink in this process that answers at once (202, 200):
 * the figure is the agent's cost inside the service, not the collector's.
 *
 * Only node: modules are imported at the top: in the child that runs the agent, express and http
 * must be loaded after startAgent, or OpenTelemetry could not instrument them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agent } from '../agents/node';
import { printFigures } from './report-figures';

type Variant = 'plain' | 'agent';

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
}

/** A variant's totals over all its rounds: the load's view and the app's own CPU time. */
interface Totals extends LoadResult {
  cpuMicros: number;
}

export async function run(args: string[]): Promise<void> {
  const durationS = numberArg(args, '--duration', 10);
  const warmupS = numberArg(args, '--warmup', 2);
  const connections = numberArg(args, '--connections', 16);
  const rounds = numberArg(args, '--rounds', 4);
  const sink = await startSink();
  const apps: App[] = [];
  try {
    const plain = await startApp('plain', sink.url);
    apps.push(plain);
    const agent = await startApp('agent', sink.url);
    apps.push(agent);
    for (const app of apps) await load(app.port, warmupS * 1000, connections);
    // Short alternating rounds (plain, agent, agent, plain, ...): a change in the machine's load during
    // the run (other processes on a shared host) then weighs on both variants alike.
    const totals = new Map<Variant, Totals>(apps.map((a) => [a.variant, { requests: 0, errors: 0, seconds: 0, cpuMicros: 0 }]));
    for (let round = 0; round < rounds; round++) {
      for (const app of round % 2 === 0 ? apps : [...apps].reverse()) {
        const cpuBefore = await app.cpuMicros();
        const result = await load(app.port, (durationS * 1000) / rounds, connections);
        const total = totals.get(app.variant)!;
        total.cpuMicros += (await app.cpuMicros()) - cpuBefore;
        total.requests += result.requests;
        total.errors += result.errors;
        total.seconds += result.seconds;
      }
    }
    const rate = (v: Variant) => totals.get(v)!.requests / totals.get(v)!.seconds;
    const cpuPerRequest = (v: Variant) => totals.get(v)!.cpuMicros / totals.get(v)!.requests;
    const ratio = rate('agent') / rate('plain');
    printFigures(
      `agent: express GET /orders/:id on loopback, ${connections} keep-alive connections, ${durationS} s each in ${rounds} alternating rounds (after ${warmupS} s of warm-up)`,
      [
        { label: 'without the agent', value: rate('plain'), unit: 'requests/s' },
        { label: 'with the agent (spans exported, RED metrics, 1 trackOrder per request)', value: rate('agent'), unit: 'requests/s' },
      ],
      { label: 'ratio (with / without)', value: ratio },
    );
    console.log(`  overhead: ${((1 - ratio) * 100).toFixed(1)} % fewer requests/s`);
    // CPU time per request, measured inside each app, depends much less on what else runs on the host.
    console.log(
      `  CPU time per request in the app: ${cpuPerRequest('plain').toFixed(1)} µs without, ${cpuPerRequest('agent').toFixed(1)} µs with the agent ` +
        `(+${(cpuPerRequest('agent') - cpuPerRequest('plain')).toFixed(1)} µs, +${((cpuPerRequest('agent') / cpuPerRequest('plain') - 1) * 100).toFixed(0)} %)`,
    );
    console.log(
      `  the sink received ${sink.counts.eventPosts} event batches and ${sink.counts.spanExports} span exports; failed requests: ${totals.get('plain')!.errors} without, ${totals.get('agent')!.errors} with`,
    );
  } finally {
    for (const app of apps) await app.stop();
    await new Promise((r) => sink.server.close(r));
  }
}

interface App {
  variant: Variant;
  port: number;
  /** User plus system CPU time the app has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the app of `variant` in a child process and waits until it listens. */
async function startApp(variant: Variant, sinkUrl: string): Promise<App> {
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-bench-agent-'));
  const child = fork(__filename, ['--serve', variant], { env: { ...process.env, SINK_URL: sinkUrl, SPOOL_DIR: spoolDir }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const stop = async () => {
    await stopChild(child);
    rmSync(spoolDir, { recursive: true, force: true });
  };
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpuMicros: number }) => resolve(m.cpuMicros));
      child.send('cpu');
    });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the ${variant} app exited with ${code} before listening`)));
    });
    return { variant, port, cpuMicros, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Keeps `connections` requests in flight on keep-alive connections until the time is up. */
async function load(port: number, durationMs: number, connections: number): Promise<LoadResult> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { requests: 0, errors: 0, seconds: 0 };
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/orders/SO-${next++}`, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) result.requests++;
          else result.errors++;
          resolve();
        });
      });
      req.on('error', () => {
        result.errors++;
        resolve();
      });
    });
  const started = performance.now();
  const deadline = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

/** Stands in for the collector (202 to every batch) and the OTLP endpoint (200), reading and discarding bodies. */
async function startSink() {
  const http = await import('node:http');
  const counts = { eventPosts: 0, spanExports: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/events') {
        counts.eventPosts++;
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":0,"rejected":[]}');
      } else {
        counts.spanExports++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, counts, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** The app under load (child process): startAgent first when measuring the agent, then express. */
function serve(variant: Variant): void {
  const sink = process.env.SINK_URL!;
  let agent: Agent | undefined;
  if (variant === 'agent') {
    // require, not import(): OpenTelemetry's hook sees require calls (import() in this CommonJS build is an ES import).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startAgent } = require('../agents/node') as typeof import('../agents/node');
    agent = startAgent({
      service: 'bench',
      source: 'shop',
      collectorUrl: sink,
      token: 'bench',
      spoolDir: process.env.SPOOL_DIR,
      tracing: { endpoint: `${sink}/v1/traces` },
      log: { level: 'warn' },
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  const app = express();
  if (agent) app.use(agent.metricsMiddleware);
  app.get('/orders/:id', (req, res) => {
    agent?.trackOrder(req.params.id, 'placed');
    res.json({ id: req.params.id });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', async (command: 'cpu' | 'stop') => {
    if (command === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system });
      return;
    }
    await agent?.shutdown();
    process.exit(0);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function numberArg(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: "${args[index + 1]}" is not a positive number`);
  return value;
}

if (require.main === module && process.argv[2] === '--serve') {
  serve(process.argv[3] as Variant);
}
