import { RateLimiter, takeTokens } from './rate-limit';

const limit = { eventsPerSecond: 100, burst: 500 };

describe('takeTokens', () => {
  it('starts full and takes the cost', () => {
    expect(takeTokens(undefined, 200, 1000, limit)).toEqual({ allowed: true, bucket: { tokens: 300, at: 1000 } });
  });

  it('refills at the rate, up to the burst', () => {
    expect(takeTokens({ tokens: 0, at: 1000 }, 150, 2500, limit)).toEqual({ allowed: true, bucket: { tokens: 0, at: 2500 } });
    expect(takeTokens({ tokens: 400, at: 0 }, 0, 60_000, limit)).toEqual({ allowed: true, bucket: { tokens: 500, at: 60_000 } });
  });

  it('refuses without taking anything and says when the same request will fit', () => {
    expect(takeTokens({ tokens: 50, at: 1000 }, 250, 1000, limit)).toEqual({ allowed: false, bucket: { tokens: 50, at: 1000 }, retryAfterMs: 2000 });
  });

  it('charges a request larger than the burst a full bucket, so it is not refused forever', () => {
    expect(takeTokens(undefined, 2000, 0, limit)).toEqual({ allowed: true, bucket: { tokens: 0, at: 0 } });
    expect(takeTokens({ tokens: 0, at: 0 }, 2000, 0, limit)).toEqual({ allowed: false, bucket: { tokens: 0, at: 0 }, retryAfterMs: 5000 });
  });

  it('does not drain the bucket when the clock steps back', () => {
    expect(takeTokens({ tokens: 100, at: 10_000 }, 10, 5_000, limit)).toEqual({ allowed: true, bucket: { tokens: 90, at: 5_000 } });
  });
});

describe('RateLimiter', () => {
  it('keeps one bucket per client', () => {
    const limiter = new RateLimiter({ eventsPerSecond: 10, burst: 20 });
    expect(limiter.take('shop', 20, 0)).toEqual({ allowed: true });
    expect(limiter.take('shop', 5, 0)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(limiter.take('crm', 20, 0)).toEqual({ allowed: true });
    expect(limiter.take('shop', 5, 500)).toEqual({ allowed: true });
  });

  it('lets everything through when the rate is 0', () => {
    const limiter = new RateLimiter({ eventsPerSecond: 0, burst: 1 });
    for (let i = 0; i < 5; i++) expect(limiter.take('shop', 1000, 0)).toEqual({ allowed: true });
  });
});
