import { isRetriable } from './errors';

export interface RetryOptions {
  /** Attempts after the first one. Default 5. */
  retries?: number;
  /** First backoff in ms; doubles each attempt. Default 100. */
  minDelayMs?: number;
  /** Upper bound of one backoff in ms. Default 10 000. */
  maxDelayMs?: number;
  /** Give up once this many ms have passed since the first attempt, whatever `retries` says. */
  deadlineMs?: number;
  /** Which errors are worth another attempt. Default: {@link isRetriable}. Programmer errors never are. */
  retryOn?: (err: unknown) => boolean;
  /** Server-given wait (e.g. Retry-After), in ms, that overrides the computed backoff. */
  delayHint?: (err: unknown) => number | undefined;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, retrying retriable failures with exponential backoff and full jitter
 * (so that many clients recovering from one outage do not retry in lockstep).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const minDelay = options.minDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const retryOn = options.retryOn ?? isRetriable;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || !retryOn(err) || options.signal?.aborted) throw err;
      const hinted = options.delayHint?.(err);
      let delay = hinted ?? Math.random() * Math.min(maxDelay, minDelay * 2 ** attempt);
      if (options.deadlineMs !== undefined) {
        const left = options.deadlineMs - (Date.now() - started);
        if (left <= 0) throw err;
        delay = Math.min(delay, left);
      }
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Resolves after `ms`; rejects early when `signal` aborts. The timer does not keep the process alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
