/**
 * The apps the agent bench loads, each in a child process of its own, forked by bench/agent.ts with
 * its {@link AppSpec} in AGENT_BENCH_APP:
 *
 * - `trivial`: an express `GET /orders/:id` that answers the id (with the agent: its RED middleware
 *   and one trackOrder per request);
 * - `shop`: the pipeline's real shop (`POST /orders`: two transactions on PostgreSQL, a RabbitMQ
 *   publish with a publisher confirm, two log lines at info), started the way `orderscope pipeline
 *   shop` starts it; without the agent it gets a stand-in with a plain logger, no RED middleware and a
 *   trackOrder that does nothing, which is the shop as it would be written without orderscope.
 *
 * Only node: modules are imported at the top, and everything else is required after startAgent:
 * express, pg and amqplib loaded before it would stay uninstrumented, and the figure would be wrong.
 */
import type { RequestHandler } from 'express';
import type { Agent } from '../../agents/node';

export type Endpoint = 'trivial' | 'shop';
export type Variant = 'plain' | 'agent';

/** What a child serves, and where its agent sends events and spans (a sink of the bench). */
export interface AppSpec {
  readonly endpoint: Endpoint;
  readonly variant: Variant;
  readonly sinkUrl: string;
  readonly spoolDir: string;
  /** The shop's own database and RabbitMQ virtual host. */
  readonly databaseUrl?: string;
  readonly amqpUrl?: string;
  /** The agent's event linger, when not its default (see bench/agent.ts on counting instructions). */
  readonly lingerMs?: number;
}

/** The environment variable that carries a child's {@link AppSpec}. */
export const APP_SPEC_ENV = 'AGENT_BENCH_APP';

/** What the parent asks a child over IPC: its CPU time so far, or to stop. */
export type AppCommand = 'cpu' | 'stop';

/** The log level of each app: the shop's default (its two lines per order are part of its cost), and none for the trivial one. */
const LOG_LEVEL: Record<Endpoint, 'info' | 'warn'> = { trivial: 'warn', shop: 'info' };

async function serve(spec: AppSpec): Promise<void> {
  const agent = spec.variant === 'agent' ? startBenchAgent(spec) : undefined;
  const { port, close } = spec.endpoint === 'trivial' ? await serveTrivial(agent) : await serveShop(spec, agent);
  process.send?.({ port });
  process.on('message', (command: AppCommand) => {
    if (command === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system });
      return;
    }
    void (async () => {
      await close();
      await agent?.shutdown();
      process.exit(0);
    })();
  });
}

/** The agent as a service starts it, sending events and spans to the bench's sink. */
function startBenchAgent(spec: AppSpec): Agent {
  // require, not import(): OpenTelemetry's hook sees require calls (import() in this CommonJS build is an ES import).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startAgent, spanExportFromEnv } = require('../../agents/node') as typeof import('../../agents/node');
  return startAgent({
    service: spec.endpoint === 'shop' ? 'shop' : 'bench',
    source: 'shop',
    collectorUrl: spec.sinkUrl,
    token: 'bench',
    spoolDir: spec.spoolDir,
    // OTEL_TRACES_EXPORTER=none in the bench's environment makes the spans but sends none, as for a
    // service: what exporting costs is the difference from a run without it.
    tracing: { exporter: 'otlp', endpoint: `${spec.sinkUrl}/v1/traces`, export: spanExportFromEnv(process.env) },
    log: { level: LOG_LEVEL[spec.endpoint] },
    ...(spec.lingerMs !== undefined && { lingerMs: spec.lingerMs }),
  });
}

interface Served {
  port: number;
  close(): Promise<void>;
}

async function serveTrivial(agent: Agent | undefined): Promise<Served> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  const app = express();
  if (agent) app.use(agent.metricsMiddleware);
  app.get('/orders/:id', (req, res) => {
    agent?.trackOrder(req.params.id, 'placed');
    res.json({ id: req.params.id });
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => new Promise((r) => server.close(() => r())) };
}

/** The real shop, with its configuration's defaults, on the bench's database and virtual host. */
async function serveShop(spec: AppSpec, agent: Agent | undefined): Promise<Served> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded after startAgent, on purpose: see the top of this file */
  const { SERVICE_OPTIONS, parseServiceConfig } = require('../../pipeline') as typeof import('../../pipeline');
  const { SERVICE_STARTERS } = require('../../pipeline/services') as typeof import('../../pipeline/services');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const defaults = Object.fromEntries(SERVICE_OPTIONS.shop.filter((o) => o.default !== undefined).map((o) => [o.key, o.default]));
  const config = parseServiceConfig('shop', {
    ...defaults,
    instance: `bench-${spec.variant}`,
    collectorUrl: spec.sinkUrl,
    token: 'bench',
    logLevel: LOG_LEVEL.shop,
    port: '0',
    databaseUrl: spec.databaseUrl,
    amqpUrl: spec.amqpUrl,
  });
  const shop = await SERVICE_STARTERS.shop({
    config,
    agent: agent ?? withoutAgent(),
    onFatal: (err) => {
      console.error(err);
      process.exit(1);
    },
  });
  return { port: Number(new URL(shop.url).port), close: () => shop.close() };
}

/**
 * What the shop gets in place of the agent in the baseline: the same logger (without the agent's
 * trace mixin) and registry, and nothing else. Only what the shop uses is there.
 */
function withoutAgent(): Agent {
  /* eslint-disable @typescript-eslint/no-require-imports -- see the top of this file */
  const { createLogger, metricsHandler } = require('../../common') as typeof import('../../common');
  const { Registry } = require('prom-client') as typeof import('prom-client');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const registry = new Registry();
  const passThrough: RequestHandler = (_req, _res, next) => next();
  const stand: Omit<Agent, 'metrics'> = {
    trackOrder: () => undefined,
    logger: createLogger('shop', LOG_LEVEL.shop),
    registry,
    metricsMiddleware: passThrough,
    metricsHandler: metricsHandler(registry) as RequestHandler,
    flush: async () => undefined,
    ready: async () => undefined,
    shutdown: async () => undefined,
  };
  return stand as Agent;
}

if (require.main === module) {
  const spec = JSON.parse(process.env[APP_SPEC_ENV] ?? 'null') as AppSpec | null;
  if (!spec) throw new Error(`${__filename} is forked by bench/agent.ts, which sets ${APP_SPEC_ENV}`);
  void serve(spec).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
