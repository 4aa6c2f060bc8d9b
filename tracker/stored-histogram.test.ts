import { histogramSeries } from './stored-histogram';

const row = (state: string, le: number, count: number, sum: number) => ({ metric: 'm', state, le, count, sum });

describe('histogram series from stored per-bucket totals', () => {
  it('makes the counts cumulative, +Inf the total, and keeps a zero series for every listed state', () => {
    expect(histogramSeries([row('a', 10, 2, 15), row('a', 100, 1, 50), row('a', Infinity, 3, 3000)], [10, 100], ['a', 'b'])).toEqual([
      { state: 'a', buckets: [2, 3], count: 6, sum: 3065 },
      { state: 'b', buckets: [0, 0], count: 0, sum: 0 },
    ]);
  });

  it('counts a row whose bound the model no longer has in the next bound up, and a state it does not list as its own series', () => {
    expect(histogramSeries([row('a', 50, 4, 160), row('gone', 500, 1, 400)], [10, 100], ['a'])).toEqual([
      { state: 'a', buckets: [0, 4], count: 4, sum: 160 },
      { state: 'gone', buckets: [0, 0], count: 1, sum: 400 },
    ]);
  });
});
