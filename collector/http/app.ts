import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { EventPublisher } from '../../bus';
import { errorHandler, metricsHandler, sendError, PROBE_PATHS } from '../../common';
import type { CollectorMetrics } from '../metrics';
import { ingestRoute, type IngestDeps } from './ingest-route';

export interface AppDeps extends IngestDeps {
  readonly registry: Registry;
}

/**
 * The collector's HTTP surface: `POST /v1/events`, `/metrics`, `/healthz` (the process is alive)
 * and `/readyz` (the bus can take events). Every answer, errors included, is JSON.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags on 202 answers would cost a hash of every answer and mean nothing to an agent.
  app.set('etag', false);
  app.use(countRequests(deps.metrics));

  app.post('/v1/events', ingestRoute(deps));
  app.all('/v1/events', methodNotAllowed('POST'));
  app.get('/metrics', metricsHandler(deps.registry));
  app.get(PROBE_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(PROBE_PATHS.ready, readiness(deps.bus));

  app.use((req: Request, res: Response) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path.slice(0, 200)}; events go to POST /v1/events`);
  });
  app.use(errorHandler(deps.logger));
  return app;
}

/** Counts and times every request by route template (never the raw path: unbounded labels). */
function countRequests(metrics: CollectorMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('close', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const label = typeof route === 'string' ? route : 'unmatched';
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      metrics.httpRequests.inc({ route: label, status });
      metrics.httpRequestDuration.observe({ route: label }, (performance.now() - started) / 1000);
    });
    next();
  };
}

function methodNotAllowed(allowed: string) {
  return (req: Request, res: Response): void => {
    res.setHeader('Allow', allowed);
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed here; use ${allowed}`);
  };
}

function readiness(bus: EventPublisher) {
  return (_req: Request, res: Response): void => {
    if (bus.isReady()) {
      res.json({ status: 'ready' });
      return;
    }
    res.setHeader('Retry-After', '5');
    sendError(res, 503, 'not_ready', 'the event bus is not connected; events would be refused with 503 until it is');
  };
}
