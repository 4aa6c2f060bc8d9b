import { retry } from './retry';
import { UnavailableError, ValidationError } from './errors';

describe('retry', () => {
  it('retries retriable failures until one succeeds', async () => {
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new UnavailableError('down');
        return 'ok';
      },
      { minDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries errors that are not retriable', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new ValidationError('bad input');
      }),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('gives up after the given number of retries with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new UnavailableError(`down ${calls}`);
        },
        { retries: 2, minDelayMs: 1 },
      ),
    ).rejects.toThrow('down 3');
    expect(calls).toBe(3);
  });

  it('waits what the server hinted', async () => {
    const delays: number[] = [];
    let calls = 0;
    await retry(
      async () => {
        if (calls++ === 0) throw new UnavailableError('busy');
      },
      { delayHint: () => 7, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(delays).toEqual([7]);
  });
});
