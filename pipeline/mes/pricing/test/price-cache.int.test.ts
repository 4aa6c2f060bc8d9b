import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger, sleep } from '../../../../common';
import { RedisPriceCache } from '../price-cache';
import type { PricedPart } from '../price-part';

/*
 * The pricing cache against the real Redis: a part is priced once, also when two workers ask at the
 * same moment, and Redis being down never stops pricing. Keys are random per test and deleted after.
 */

const REDIS_URL = process.env.ORDERSCOPE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const keys: string[] = [];

const client = (url = REDIS_URL) => {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
};
const freshKey = () => {
  const key = randomBytes(32).toString('hex');
  keys.push(`orderscope:price:v1:${key}`, `orderscope:price:v1:${key}:lock`);
  return key;
};
const priced = (cents: number): PricedPart => ({ unit_price_cents: cents, analysis: 'abcdef0123456789' });

afterAll(async () => {
  const redis = clients[0]!;
  if (keys.length) await redis.del(...keys);
  // disconnect(), not quit(): the unreachable client would keep reconnecting to send QUIT.
  for (const c of clients) c.disconnect();
});

describe('the pricing cache on the real Redis', () => {
  it('prices a part on the first ask and serves it from the cache after', async () => {
    const redis = client();
    await redis.connect();
    const cache = new RedisPriceCache(redis, { ttlMs: 60_000, lockMs: 5000, logger: silentLogger() });
    const key = freshKey();
    let computed = 0;
    const compute = async () => priced(1579 + computed++);
    expect(await cache.getOrCompute(key, compute)).toEqual({ priced: priced(1579), result: 'miss' });
    expect(await cache.getOrCompute(key, compute)).toEqual({ priced: priced(1579), result: 'hit' });
    expect(computed).toBe(1);
    // The price expires (a key without one answers -1), at most ttlMs after it was stored. How much of
    // the TTL is left depends on how fast this test ran, so that is not asserted.
    const ttl = await redis.pttl(`orderscope:price:v1:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('prices a part once when two workers ask for it at the same moment: the second waits for the first', async () => {
    const [a, b] = [client(), client()];
    await Promise.all([a.connect(), b.connect()]);
    const key = freshKey();
    let computed = 0;
    const slowCompute = async () => {
      computed += 1;
      await sleep(300);
      return priced(4200);
    };
    const results = await Promise.all([a, b].map((redis) => new RedisPriceCache(redis, { ttlMs: 60_000, lockMs: 5000, logger: silentLogger() }).getOrCompute(key, slowCompute)));
    expect(computed).toBe(1);
    expect(results.map((r) => r.result).sort()).toEqual(['hit', 'miss']);
    expect(results.map((r) => r.priced)).toEqual([priced(4200), priced(4200)]);
  });

  it('prices without the cache when Redis is unreachable', async () => {
    const down = client('redis://127.0.0.1:1');
    const cache = new RedisPriceCache(down, { ttlMs: 60_000, lockMs: 5000, logger: silentLogger() });
    expect(await cache.getOrCompute(freshKey(), async () => priced(99))).toEqual({ priced: priced(99), result: 'error' });
  });
});
