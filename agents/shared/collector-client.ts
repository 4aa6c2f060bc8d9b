import type { IngestResult, OrderEventInput } from '../../events';
import { OrderscopeError, UnavailableError, networkFailureReason, retry, type RetryOptions } from '../../common';

export interface CollectorClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7400 */
  url: string;
  token: string;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Backoff for 429, 503 and network errors (Retry-After is honoured). */
  retry?: RetryOptions;
}

/** Thrown for answers that retrying cannot fix (401, 403, 400, 413, 415): the message is the collector's. */
export class IngestRejectedError extends OrderscopeError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(`the collector answered ${status}: ${message}`, { code, retriable: false });
  }
}

/** A 429 or 5xx answer: worth retrying, after `retryAfterMs` when the collector said how long (Retry-After). */
export class RetryLaterError extends UnavailableError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Posts batches of events to a collector's `POST /v1/events`. Retries what is worth retrying
 * (429, 503, network errors) with backoff and the server's Retry-After; surfaces everything else
 * at once with the collector's own explanation.
 */
export class CollectorClient {
  private readonly endpoint: string;

  constructor(private readonly options: CollectorClientOptions) {
    this.endpoint = new URL('/v1/events', options.url).toString();
  }

  /** `signal` aborts the request in flight and any wait between retries (e.g. when the caller shuts down). */
  async post(events: readonly OrderEventInput[], options: { signal?: AbortSignal } = {}): Promise<IngestResult> {
    const body = JSON.stringify(events);
    return retry(() => this.postOnce(body, options.signal), {
      retries: 8,
      minDelayMs: 200,
      maxDelayMs: 15_000,
      delayHint: (err) => (err instanceof RetryLaterError ? err.retryAfterMs : undefined),
      signal: options.signal,
      ...this.options.retry,
    });
  }

  private async postOnce(body: string, signal: AbortSignal | undefined): Promise<IngestResult> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new UnavailableError(`cannot reach the collector at ${this.options.url}: ${networkFailureReason(err)}`, err);
    }
    const payload = (await response.json().catch(() => ({}))) as Partial<IngestResult> & { error?: { code?: string; message?: string } };
    if (response.status === 202) return { accepted: payload.accepted ?? 0, rejected: payload.rejected ?? [] };
    const message = payload.error?.message ?? response.statusText;
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new RetryLaterError(`the collector answered ${response.status}: ${message}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new IngestRejectedError(response.status, payload.error?.code ?? 'rejected', message);
  }
}

