/** A sustained rate and a burst, in events. `eventsPerSecond: 0` disables the limit. */
export interface RateLimit {
  eventsPerSecond: number;
  burst: number;
}

/** A token bucket at one moment: `tokens` available at time `at` (ms). */
export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

export type TakeResult =
  | { allowed: true; bucket: Bucket }
  /** `retryAfterMs`: when the bucket will hold enough for the same request again. */
  | { allowed: false; bucket: Bucket; retryAfterMs: number };

/**
 * Takes `cost` tokens from a bucket that refills at `limit.eventsPerSecond` up to `limit.burst`;
 * a new bucket starts full. A refused request takes nothing, so a client that waits the returned
 * time gets through. A request larger than the whole burst costs a full bucket instead of being
 * refused forever. Pure: the caller keeps the returned bucket.
 */
export function takeTokens(bucket: Bucket | undefined, cost: number, nowMs: number, limit: RateLimit): TakeResult {
  const capacity = limit.burst;
  // A clock that steps back (NTP) must not drain the bucket: elapsed time is never negative.
  const elapsedSeconds = bucket ? Math.max(0, nowMs - bucket.at) / 1000 : 0;
  const tokens = bucket ? Math.min(capacity, bucket.tokens + elapsedSeconds * limit.eventsPerSecond) : capacity;
  const needed = Math.min(cost, capacity);
  if (tokens >= needed) return { allowed: true, bucket: { tokens: tokens - needed, at: nowMs } };
  return { allowed: false, bucket: { tokens, at: nowMs }, retryAfterMs: ((needed - tokens) / limit.eventsPerSecond) * 1000 };
}

/** One token bucket per client (a token's name, a redrive action). The caller bounds the number of clients. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Whether `client` may send `cost` events now; when not, how long to wait (ms). */
  take(client: string, cost: number, nowMs: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    if (this.limit.eventsPerSecond <= 0 || cost <= 0) return { allowed: true };
    const result = takeTokens(this.buckets.get(client), cost, nowMs, this.limit);
    this.buckets.set(client, result.bucket);
    return result.allowed ? { allowed: true } : { allowed: false, retryAfterMs: result.retryAfterMs };
  }
}
