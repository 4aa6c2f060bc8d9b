import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { EventPublisher } from '../../bus';
import { errorHandler, metricsHandler, sendError, PROBE_PATHS } from '../../common';
import type { CollectorMetrics } from '../metrics';
import { ingestRoute, type IngestDeps } from './ingest-route';

export interface AppDeps extends IngestDeps {
  readonly registry: Registry;
}

/** The ingest route's path. */
const INGEST_PATH = '/v1/events';

export interface CollectorHttp {
  /** Every route, through express: to mount in another app. */
  readonly app: Express;
  /**
   * What the collector's own server runs: `POST /v1/events` straight to its handler, everything else
   * through the app. Express cost the ingest a fifth of the collector thread's time per event (issue
   * 18; 7.28 against 5.83 µs on the collector bench): it gives every request and response another
   * prototype, which slows every later access to them. A path express also routes there (a trailing
   * slash, capitals) goes through express, to the same handler and the same metrics.
   */
  readonly listener: RequestListener;
}

/**
 * The collector's HTTP surface: `POST /v1/events`, `/metrics`, `/healthz` (the process is alive)
 * and `/readyz` (the bus can take events). Every answer, errors included, is JSON.
 */
export function createHttp(deps: AppDeps): CollectorHttp {
  const ingest = ingestRoute(deps);
  const handleError = errorHandler(deps.logger);
  const app = express();
  app.disable('x-powered-by');
  // ETags on 202 answers would cost a hash of every answer and mean nothing to an agent.
  app.set('etag', false);
  app.use(countRequests(deps.metrics));

  app.post(INGEST_PATH, ingest);
  app.all(INGEST_PATH, methodNotAllowed('POST'));
  app.get('/metrics', metricsHandler(deps.registry));
  app.get(PROBE_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(PROBE_PATHS.ready, readiness(deps.bus));

  app.use((req: Request, res: Response) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path.slice(0, 200)}; events go to POST /v1/events`);
  });
  app.use(handleError);

  const listener: RequestListener = (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !(url === INGEST_PATH || url.startsWith(`${INGEST_PATH}?`))) {
      app(req, res);
      return;
    }
    countRequest(deps.metrics, res, () => INGEST_PATH);
    ingest(req, res).catch((err: unknown) => handleError(err, req, res));
  };
  return { app, listener };
}

/** Counts and times every request by route template (never the raw path: unbounded labels). */
function countRequests(metrics: CollectorMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    countRequest(metrics, res, () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      return typeof route === 'string' ? route : 'unmatched';
    });
    next();
  };
}

/** Counts and times one request when its connection is done with it, under the route `route()` names then. */
function countRequest(metrics: CollectorMetrics, res: ServerResponse, route: () => string): void {
  const started = performance.now();
  res.once('close', () => {
    const label = route();
    const status = res.writableFinished ? String(res.statusCode) : 'aborted';
    metrics.httpRequests.inc({ route: label, status });
    metrics.httpRequestDuration.observe({ route: label }, (performance.now() - started) / 1000);
  });
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
