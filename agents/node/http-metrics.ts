import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { expressRoute } from './express-route';

/** Bucket bounds, in seconds, of the request duration histogram (1 ms to 10 s). */
const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods kept as label values; anything else is `other`, so that a scanner cannot grow the label set. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The RED metrics of an instrumented express app (rate and errors from the counter, duration from
 * the histogram). `route` is the matched route pattern (`/orders/:id`), never the raw path, and
 * `unmatched` for requests no route handled: order ids never become label values.
 */
export const HTTP_METRICS = {
  requests: {
    name: 'orderscope_http_server_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code ("aborted" when the client left first).',
    labelNames: ['method', 'route', 'status'],
  },
  duration: {
    name: 'orderscope_http_server_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS_SECONDS,
  },
} as const;

/**
 * An express middleware that measures every request. Mount it first (`app.use(...)`), so that it
 * also sees requests that later middleware answers or rejects.
 */
export function createHttpMetricsMiddleware(registry: Registry): RequestHandler {
  const m = HTTP_METRICS;
  const requests = new Counter({ ...m.requests, labelNames: [...m.requests.labelNames], registers: [registry] });
  const duration = new Histogram({ ...m.duration, labelNames: [...m.duration.labelNames], buckets: [...m.duration.buckets], registers: [registry] });
  // Named: express names its layer after the function, which is what stack traces and profiles show.
  return function orderscopeHttpMetrics(req: Request, res: Response, next: NextFunction) {
    const started = process.hrtime.bigint();
    // 'close' comes after the answer is sent, and also when the client disconnects before it.
    res.once('close', () => {
      const labels = {
        method: KNOWN_METHODS.has(req.method) ? req.method : 'other',
        route: expressRoute(req) ?? 'unmatched',
        status: res.writableFinished ? String(res.statusCode) : 'aborted',
      };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
