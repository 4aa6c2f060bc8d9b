import type { IncomingMessage, ServerResponse } from 'node:http';
import { BusFullError, type EventPublisher } from '../../bus';
import { type Config, type Logger, type TokenConfig, allowsSource, hasScope, describeError, UnavailableError, sendError, sendJson, type RateLimiter } from '../../common';
import type { IngestResult, OrderEvent } from '../../events';
import { checkBatch, type Rejection } from '../ingest/check-batch';
import type { RejectionReason } from '../ingest/rejection-reason';
import type { CollectorMetrics } from '../metrics';
import { authenticateIngest } from './authenticate';
import { batchFormat } from './content-type';
import { parseBatch } from './parse-batch';
import { publishWithin, PublishTimeoutError } from './publish-within';
import { readBody } from './read-body';
import { RequestRefused } from './refusal';
import { decodeUtf8 } from './utf8';

export interface IngestDeps {
  readonly limits: Config['collector'];
  readonly tokens: readonly TokenConfig[];
  readonly bus: EventPublisher;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  readonly limiter: RateLimiter;
  /** Epoch milliseconds: the clock of the "not in the future" rule and of the rate limiter. */
  readonly now: () => number;
}

/** How long a client should wait after a 503 before it retries, in seconds. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;
/** A full bus drains in moments: come back soon, but not at once. */
const RETRY_AFTER_FULL_SECONDS = 1;

/**
 * `POST /v1/events`. The checks run cheapest first, and each refusal says what to fix:
 * 401/403 token → 415 content type → 413 size → 400 framing → 413 event count → 429 rate →
 * per-event contract checks → 403 foreign source → publish (503 when the bus does not acknowledge
 * within publishTimeoutMs) → 202 with the accepted count and every rejected event.
 *
 * A 202 is sent only after the bus acknowledged every accepted event.
 *
 * Written on node's own request and response, not express's: the collector serves it without express
 * (app.ts says why). A rejection is a bug, for the caller's error handler.
 */
export function ingestRoute(deps: IngestDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let client: string | undefined;
    let events: number | undefined;
    try {
      const token = authenticateIngest(req.headers, deps.tokens);
      client = token.name;
      const format = batchFormat(req.headers['content-type'], req.headers['content-encoding']);
      const body = await readBody(req, deps.limits.maxBytes);
      const items = parseBatch(decodeUtf8(body), format, deps.limits.maxEvents);
      events = items.length;

      const rate = deps.limiter.take(token.name, items.length, deps.now());
      if (!rate.allowed) {
        deps.metrics.eventsRejected.inc({ reason: 'rate_limited' }, items.length);
        const retryAfterSeconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
        throw new RequestRefused(
          429,
          'rate_limited',
          `the token "${token.name}" is over its rate limit of ${deps.limits.rateLimitEventsPerSecond} events/s (burst ${deps.limits.rateLimitBurst}); ` +
            `retry after ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        );
      }

      const verdict = checkBatch(items, (source) => allowsSource(token, source), new Date(deps.now()), hasScope(token, 'admin'));
      countRejections(deps.metrics, verdict.rejected);
      if (verdict.forbidden.length > 0) {
        deps.metrics.eventsRejected.inc({ reason: 'forbidden_source' }, verdict.valid.length + verdict.forbidden.length);
        const first = verdict.forbidden[0]!;
        const more = verdict.forbidden.length > 1 ? ` (and ${verdict.forbidden.length - 1} more)` : '';
        throw new RequestRefused(
          403,
          'forbidden_source',
          `the token "${token.name}" may not emit events for source "${first.source}": event ${first.index}${more}; ` +
            `it may emit for ${token.sources.length ? token.sources.map((s) => `"${s}"`).join(', ') : 'no source'}. Nothing in this request was accepted`,
          { details: { index: first.index, source: first.source, forbidden: verdict.forbidden.length } },
        );
      }

      await publish(deps, verdict.valid);
      deps.metrics.eventsAccepted.inc(verdict.valid.length);
      sendJson(res, 202, {
        accepted: verdict.valid.length,
        rejected: verdict.rejected.map(({ reason: _reason, ...shown }) => shown),
      } satisfies IngestResult);
      if (verdict.rejected.length > 0) {
        deps.logger.info(
          { client, accepted: verdict.valid.length, rejected: verdict.rejected.length, reasons: tally(verdict.rejected) },
          'events rejected',
        );
      }
    } catch (err) {
      if (!(err instanceof RequestRefused)) throw err;
      refuse(res, err);
      const level = err.status === 401 || err.status === 403 || err.status >= 500 ? 'warn' : 'info';
      deps.logger[level](
        { status: err.status, code: err.code, client, events, remote: req.socket.remoteAddress, ...(err.cause !== undefined && { cause: describeError(err.cause) }) },
        `request refused: ${err.message}`,
      );
    }
  };
}

/**
 * Publishes within the configured time, or refuses the request with 503 so the client retries. When
 * the time is up the publish is aborted too: events still waiting in the bus are withdrawn, so that
 * a request answered "retry later" is not applied behind its client's back.
 */
async function publish(deps: IngestDeps, events: readonly OrderEvent[]): Promise<void> {
  if (events.length === 0) return;
  const timeoutMs = deps.limits.publishTimeoutMs;
  const started = performance.now();
  try {
    await publishWithin(deps.bus, events, timeoutMs);
    deps.metrics.publishDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
  } catch (err) {
    deps.metrics.publishDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
    const reason = err instanceof PublishTimeoutError ? 'timeout' : err instanceof BusFullError ? 'full' : 'unavailable';
    deps.metrics.busErrors.inc({ reason });
    deps.metrics.eventsRejected.inc({ reason: 'bus_unavailable' }, events.length);
    // Anything but our own UnavailableError is a bug in a bus, but the client's answer is the same:
    // the events may not be stored, so it must keep them and retry.
    if (!(err instanceof UnavailableError)) deps.logger.error({ err }, 'the bus failed with an unexpected error');
    // The cause (broker addresses, driver messages) goes to the log, not to the client.
    const what = {
      timeout: `did not acknowledge the events within ${timeoutMs} ms`,
      full: 'is full (events arrive faster than they are applied)',
      unavailable: 'is unavailable right now',
    }[reason];
    throw new RequestRefused(
      503,
      'unavailable',
      `the event bus ${what}; keep the events and retry the same request later (events are deduplicated by event_id)`,
      { retryAfterSeconds: reason === 'full' ? RETRY_AFTER_FULL_SECONDS : RETRY_AFTER_UNAVAILABLE_SECONDS, cause: err },
    );
  }
}

function refuse(res: ServerResponse, err: RequestRefused): void {
  if (err.options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.options.retryAfterSeconds));
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  if (err.options.closeConnection) res.setHeader('Connection', 'close');
  sendError(res, err.status, err.code, err.message, err.options.details);
}

function countRejections(metrics: CollectorMetrics, rejected: readonly Rejection[]): void {
  for (const [reason, count] of Object.entries(tally(rejected))) metrics.eventsRejected.inc({ reason }, count);
}

function tally(rejected: readonly Rejection[]): Partial<Record<RejectionReason, number>> {
  const counts: Partial<Record<RejectionReason, number>> = {};
  for (const r of rejected) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
  return counts;
}
