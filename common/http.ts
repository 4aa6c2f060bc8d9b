import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';
import type { Logger } from './logger';
import { ConfigError, OrderscopeError } from './errors';
import { settingName } from './setting-names';
import { acceptsOpenMetrics, openMetricsText, OPENMETRICS_CONTENT_TYPE } from './open-metrics';

/**
 * A JSON answer, with the headers express's `res.json` gives it (no ETag: an answer of an API call is
 * not cached). Written on node's own response, so that a handler served without express (the
 * collector's ingest) answers as one served through it.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  res.end(text);
}

/** A JSON error answer: `{ error: { code, message } }`, the shape of every error orderscope serves. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  sendJson(res, status, { error: { code, message, ...extra } });
}

/**
 * The last express middleware: maps errors to JSON answers. Retriable errors become 503 with
 * Retry-After; bad requests that express itself rejects keep their 4xx; anything else is a bug,
 * logged with its stack and answered 500 without details.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: IncomingMessage, res: ServerResponse, _next?: NextFunction): void => {
    if (err instanceof OrderscopeError) {
      if (err.retriable) {
        res.setHeader('Retry-After', '5');
        return sendError(res, 503, err.code, err.message);
      }
      return sendError(res, 400, err.code, err.message);
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, status, 'bad_request', (err as Error).message);
    }
    logger.error({ err }, 'unexpected error while serving a request');
    sendError(res, 500, 'internal', 'internal error; the details are in the server log');
  };
}

/**
 * Serves a registry's metrics in the Prometheus text format; with `openMetrics`, in the OpenMetrics
 * format to a scraper whose Accept header asks for it (exemplars travel only there), else as before.
 *
 * `?name[]=<metric>` (repeatable) serves only those metrics, as the Prometheus Java client does: a
 * scrape config's `params`, or a script that polls one counter, then skips the gauges that read the
 * database on every scrape. Names the registry does not hold are left out.
 */
export function metricsHandler(registry: Registry, options: { openMetrics?: boolean } = {}) {
  return async (req: Request, res: Response): Promise<void> => {
    const served = onlyNamed(registry, req.query['name[]']);
    res.setHeader('Vary', 'Accept');
    if (options.openMetrics && acceptsOpenMetrics(req.get('accept'))) {
      res.setHeader('Content-Type', OPENMETRICS_CONTENT_TYPE);
      res.end(await openMetricsText(served));
      return;
    }
    res.setHeader('Content-Type', registry.contentType);
    res.end(await served.metrics());
  };
}

/** `registry`, or a registry of only the metrics named by a `name[]` query parameter. */
function onlyNamed(registry: Registry, names: unknown): Registry {
  if (names === undefined) return registry;
  const subset = new Registry();
  for (const name of new Set([names].flat())) {
    const metric = typeof name === 'string' ? registry.getSingleMetric(name) : undefined;
    if (metric) subset.registerMetric(metric);
  }
  return subset;
}

export interface RunningServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:7400 */
  readonly url: string;
  /** Stops accepting connections and waits for in-flight requests to finish. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * How long a client may take to send a request (config section `http`). A client that sends its
 * request slowly, or starts one and stops, holds a connection and a socket; past these it is answered
 * 408 and disconnected.
 */
export interface HttpTimeouts {
  /** From the first byte of a request until its headers are complete. */
  readonly headersTimeoutMs: number;
  /** From the first byte of a request until all of it, body included, has arrived. At least headersTimeoutMs. */
  readonly requestTimeoutMs: number;
}

/** The timeouts of servers that have no config of their own, and the config's defaults. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

export interface ListenOptions {
  /** Default: {@link DEFAULT_HTTP_TIMEOUTS}. */
  readonly timeouts?: HttpTimeouts;
  /** How long an idle keep-alive connection stays open; Node's 5 s when absent. */
  readonly keepAliveTimeoutMs?: number;
  /** The config section whose `host` and `port` chose the address (e.g. "tracker"), named when it cannot be used. */
  readonly configSection?: string;
  /** The command's flags that set `host` and `port` (e.g. `--tracker-port`), named first: a person reads the command they typed. */
  readonly flags?: { readonly host?: string; readonly port?: string };
}

/**
 * How often the server looks for requests past their timeouts. Node's 30 s would let a slow client
 * hold its connection up to 30 s past the timeout; a tenth of the shorter timeout (at most a second)
 * closes it close to the configured time, for a check that only walks the open requests.
 */
function checkingIntervalMs(t: HttpTimeouts): number {
  return Math.max(10, Math.min(1000, Math.floor(t.headersTimeoutMs / 10)));
}

/**
 * Starts `app` on host:port (port 0 picks a free one) and resolves once it listens. Every orderscope
 * server starts here, so that each one bounds how long a client may take over a request.
 */
export function listen(app: RequestListener, host: string, port: number, options: ListenOptions = {}): Promise<RunningServer> {
  const timeouts = options.timeouts ?? DEFAULT_HTTP_TIMEOUTS;
  return new Promise((resolve, reject) => {
    const server = createServer(
      { headersTimeout: timeouts.headersTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(timeouts) },
      app,
    );
    if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
    server.once('error', (err) => reject(listenError(err, host, port, options)));
    server.once('listening', () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive connections would hold close() open forever; busy ones finish their request.
            server.closeIdleConnections();
          })),
      });
    });
    server.listen(port, host);
  });
}

/** Why a server cannot listen on host:port, in words that say what to change; other errors unchanged. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number, options: ListenOptions): unknown {
  const where = (key: 'host' | 'port') => {
    const ways = [options.flags?.[key], options.configSection === undefined ? undefined : settingName([options.configSection, key])].filter((w) => w !== undefined);
    return ways.length === 0 ? '' : `: ${ways.join(', or ')}`;
  };
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `another process listens there already (another orderscope?); stop it, or choose another port${where('port')}`,
    EACCES: `this user may not listen on port ${port} (ports below 1024 need privileges); choose a port from 1024 up${where('port')}`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; listen on one of its addresses, 127.0.0.1 or 0.0.0.0${where('host')}`,
    ENOTFOUND: `the host name ${host} is not known; listen on an address of this machine, 127.0.0.1 or 0.0.0.0${where('host')}`,
  };
  const reason = err.code === undefined ? undefined : reasons[err.code];
  return reason === undefined ? err : new ConfigError(`cannot listen on ${address}: ${reason}`, err);
}
