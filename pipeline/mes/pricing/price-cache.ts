import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep, type Logger } from '../../../common';
import type { PricedPart } from './price-part';

/** How a price was obtained: from the cache, computed (miss), computed because the cache failed, or with the cache toggled off. */
export type CacheResult = 'hit' | 'miss' | 'error' | 'off';
export const CACHE_RESULTS: readonly CacheResult[] = ['hit', 'miss', 'error', 'off'];

/** A cache of cost analyses by part key. */
export interface PriceCache {
  /** The cached price of the part, or `compute()`'s, which is then cached. */
  getOrCompute(partKey: string, compute: () => Promise<PricedPart>): Promise<{ priced: PricedPart; result: CacheResult }>;
}

/** The cache toggled off (`pricingCache=false`): every part is priced. */
export const NO_CACHE: PriceCache = {
  getOrCompute: async (_key, compute) => ({ priced: await compute(), result: 'off' }),
};

export interface RedisPriceCacheOptions {
  readonly ttlMs: number;
  /** How long one worker may hold a part's lock while pricing it; others wait that long at most. */
  readonly lockMs: number;
  readonly logger: Logger;
}

/**
 * The pricing cache in Redis, shared by every worker replica: `orderscope:price:v1:<part key>`.
 *
 * "The same part is never priced twice", also when two workers get it at the same moment: the first
 * takes a lock (`SET ... NX PX`) and prices it; the others wait for the price to appear (up to the
 * lock's expiry, after which they price it themselves: a worker that died while holding it must
 * not stall the part). Redis failing never stops pricing: the part is priced, the result is
 * `error`, and the failure is logged.
 */
export class RedisPriceCache implements PriceCache {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisPriceCacheOptions,
  ) {}

  async getOrCompute(partKey: string, compute: () => Promise<PricedPart>): Promise<{ priced: PricedPart; result: CacheResult }> {
    const key = `orderscope:price:v1:${partKey}`;
    const lock = `${key}:lock`;
    const owner = randomUUID();
    try {
      const cached = await this.read(key);
      if (cached) return { priced: cached, result: 'hit' };
      if ((await this.redis.set(lock, owner, 'PX', this.options.lockMs, 'NX')) !== 'OK') {
        const waited = await this.waitFor(key);
        if (waited) return { priced: waited, result: 'hit' };
      }
    } catch (err) {
      this.options.logger.warn({ err, part_key: partKey }, 'the pricing cache is unavailable; pricing without it');
      return { priced: await compute(), result: 'error' };
    }
    const priced = await compute();
    try {
      await this.redis.set(key, JSON.stringify(priced), 'PX', this.options.ttlMs);
      // Only our own lock: after its expiry another worker may hold it.
      await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lock, owner);
    } catch (err) {
      this.options.logger.warn({ err, part_key: partKey }, 'could not store a price in the cache');
      return { priced, result: 'error' };
    }
    return { priced, result: 'miss' };
  }

  private async read(key: string): Promise<PricedPart | undefined> {
    const text = await this.redis.get(key);
    return text ? (JSON.parse(text) as PricedPart) : undefined;
  }

  /** Polls for the price another worker is computing, until its lock would have expired. */
  private async waitFor(key: string): Promise<PricedPart | undefined> {
    const deadline = Date.now() + this.options.lockMs;
    while (Date.now() < deadline) {
      await sleep(25);
      const priced = await this.read(key);
      if (priced) return priced;
    }
    return undefined;
  }
}
