import express, { type Express, type Request, type Response } from 'express';
import type { ZodType } from 'zod';
import type { Agent } from '../../agents/node';
import { ValidationError, errorHandler, listen, sendError, PROBE_PATHS } from '../../common';
import { closeInOrder, type RunningService } from '../runtime/service';
import { ConflictError, NotFoundError } from './errors';

/** A readiness check: "ok", or what is wrong. */
export type ReadinessCheck = () => Promise<string>;

/**
 * The HTTP skeleton of every pipeline service: the agent's RED middleware first (so that it sees
 * every request, even those rejected later), JSON bodies, `GET /metrics` (the agent's registry:
 * RED, agent, process and service metrics), `GET /healthz`, `GET /readyz` (every check "ok").
 * Mount the service's routes, then call `finish()` for the JSON 404 and error answers.
 */
export function createServiceApp(agent: Agent, checks: Readonly<Record<string, ReadinessCheck>>): { app: Express; finish(): void } {
  const app = express();
  app.disable('x-powered-by');
  app.use(agent.metricsMiddleware);
  app.use(express.json({ limit: '64kb' }));
  app.get('/metrics', agent.metricsHandler);
  app.get(PROBE_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(PROBE_PATHS.ready, async (_req, res) => {
    const results = Object.fromEntries(await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch((err: Error) => err.message)])));
    const ready = Object.values(results).every((r) => r === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
  return {
    app,
    finish: () => {
      app.use((req: Request, res: Response) => sendError(res, 404, 'not_found', `no such endpoint: ${req.method} ${req.path}`));
      app.use((err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
        if (err instanceof NotFoundError) return sendError(res, 404, err.code, err.message);
        if (err instanceof ConflictError) return sendError(res, 409, err.code, err.message, err.currentState ? { state: err.currentState } : {});
        next(err);
      });
      app.use(errorHandler(agent.logger));
    },
  };
}

/** Validates a request body or query at the edge; a ValidationError (answered 400) lists every problem. */
export function parseInput<T>(schema: ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`invalid ${what}: ${result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
}

export interface ServeOptions {
  host: string;
  port: number;
  /** What /readyz checks. */
  checks: Readonly<Record<string, ReadinessCheck>>;
  /** Mounts the service's own routes (none for a service that only serves its metrics). */
  mount?: (app: Express) => void;
  /** The service's own resources, closed in this order. */
  closers: readonly [string, () => Promise<unknown>][];
  /**
   * When the HTTP server closes: first for services whose requests use the resources (stop taking
   * work, then release), last for consumers, so /metrics and /readyz answer while they drain.
   */
  closeServer: 'first' | 'last';
}

/**
 * Builds a service's app ({@link createServiceApp} plus its routes), listens, and returns the
 * running service whose close() releases everything in order, once.
 */
export async function serveService(agent: Agent, options: ServeOptions): Promise<RunningService> {
  const { app, finish } = createServiceApp(agent, options.checks);
  options.mount?.(app);
  finish();
  const server = await listen(app, options.host, options.port);
  const http: [string, () => Promise<unknown>] = ['the HTTP server', server.close];
  const closers = options.closeServer === 'first' ? [http, ...options.closers] : [...options.closers, http];
  return { url: server.url, close: closeInOrder(agent.logger, closers) };
}
