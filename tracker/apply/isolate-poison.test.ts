import { isolatePoison } from './isolate-poison';

/** An apply that fails, as a bad value would, when its part holds any item of `poison`. */
function applyRefusing(poison: ReadonlySet<number>, calls: number[][]) {
  return async (part: readonly number[]) => {
    calls.push([...part]);
    if (part.some((i) => poison.has(i))) throw Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    return part.length;
  };
}
const poisonOf = (err: unknown) => ((err as { code?: string }).code === '22021' ? ('data_exception' as const) : undefined);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('isolating poison in a batch', () => {
  it('applies a clean batch in one call', async () => {
    const calls: number[][] = [];
    const result = await isolatePoison(range(8), applyRefusing(new Set(), calls), poisonOf);
    expect(calls).toEqual([range(8)]);
    expect(result).toEqual({ outcomes: [8], poisoned: [] });
  });

  it('sets aside exactly the poison items and applies every other one exactly once', async () => {
    const calls: number[][] = [];
    const poison = new Set([3, 4, 17]);
    const result = await isolatePoison(range(20), applyRefusing(poison, calls), poisonOf);
    expect(result.poisoned.map((p) => [p.item, p.reason])).toEqual([
      [3, 'data_exception'],
      [4, 'data_exception'],
      [17, 'data_exception'],
    ]);
    const applied = calls.filter((part) => !part.some((i) => poison.has(i))).flat();
    expect(applied.sort((a, b) => a - b)).toEqual(range(20).filter((i) => !poison.has(i)));
    expect(result.outcomes.reduce((a, b) => a + b, 0)).toBe(17);
  });

  it('needs about 2·k·log2(n) applies for k poison items in n, not n', async () => {
    const calls: number[][] = [];
    await isolatePoison(range(1024), applyRefusing(new Set([700]), calls), poisonOf);
    // The failing path halves 1024 down to 1 (11 parts) and applies the 10 clean siblings beside it.
    expect(calls).toHaveLength(21);
  });

  it('sets aside a batch of one poison item', async () => {
    const result = await isolatePoison([5], applyRefusing(new Set([5]), []), poisonOf);
    expect(result.poisoned.map((p) => p.item)).toEqual([5]);
    expect(result.outcomes).toEqual([]);
  });

  it('throws a failure that is not poison at once, without splitting: the whole batch comes again', async () => {
    const calls: number[][] = [];
    const down = async (part: readonly number[]) => {
      calls.push([...part]);
      throw Object.assign(new Error('the database system is shutting down'), { code: '57P01' });
    };
    await expect(isolatePoison(range(6), down, poisonOf)).rejects.toThrow('shutting down');
    expect(calls).toEqual([range(6)]);
  });

  it('throws a failure that is not poison when it hits a half, after the other half applied', async () => {
    let attempt = 0;
    const flaky = async (part: readonly number[]) => {
      attempt++;
      if (attempt === 1) throw Object.assign(new Error('bad value'), { code: '22021' });
      if (part.includes(5)) throw Object.assign(new Error('connection lost'), { code: '08006' });
      return part.length;
    };
    await expect(isolatePoison(range(6), flaky, poisonOf)).rejects.toThrow('connection lost');
  });
});
