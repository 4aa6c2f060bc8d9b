import { periodic } from './periodic';

describe('a periodic job', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs at start, then an interval after each run', async () => {
    let runs = 0;
    const job = periodic({ intervalMs: 1000, run: async () => ++runs, onError: () => undefined });
    job.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await job.close();
  });

  it('with firstRunAfterInterval, runs first an interval after start', async () => {
    let runs = 0;
    const job = periodic({ intervalMs: 1000, run: async () => ++runs, onError: () => undefined, firstRunAfterInterval: true });
    job.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    await job.close();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });
});
