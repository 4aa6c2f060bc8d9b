import { Registry } from 'prom-client';
import type { Exemplar } from './exemplars';
import { histogramSeries, StoredHistogram } from './stored-histogram';

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

describe('a histogram read from the store at each scrape', () => {
  const slow: Exemplar = { labelSet: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, value: 42, timestamp: 1_764_761_234.5 };
  const endless: Exemplar = { labelSet: { trace_id: '00f067aa0ba902b700f067aa0ba902b7' }, value: 900, timestamp: 1_764_761_300 };
  const histogram = (registry: Registry, totals: () => Promise<readonly ReturnType<typeof row>[] | undefined>) =>
    new StoredHistogram(
      {
        name: 'h_seconds',
        help: 'Time in state.',
        bounds: [10, 100],
        states: ['a', 'b'],
        totals,
        // An exemplar for a's second bucket and b's +Inf one (index bounds.length).
        exemplar: (state, bucket) => (state === 'a' && bucket === 1 ? slow : state === 'b' && bucket === 2 ? endless : undefined),
      },
      registry,
    );

  it('exposes cumulative buckets, +Inf, sum and count per state, each bucket with its exemplar, in the registry it was given', async () => {
    const registry = new Registry();
    const h = histogram(registry, async () => [row('a', 10, 2, 15), row('a', 100, 1, 50), row('b', Infinity, 1, 900)]);
    expect(registry.getSingleMetric('h_seconds')).toBe(h);
    expect(await h.get()).toStrictEqual({
      name: 'h_seconds',
      help: 'Time in state.',
      type: 'histogram',
      aggregator: 'sum',
      values: [
        { value: 2, labels: { le: 10, state: 'a' }, metricName: 'h_seconds_bucket' },
        { value: 3, labels: { le: 100, state: 'a' }, metricName: 'h_seconds_bucket', exemplar: slow },
        { value: 3, labels: { le: '+Inf', state: 'a' }, metricName: 'h_seconds_bucket' },
        { value: 65, labels: { state: 'a' }, metricName: 'h_seconds_sum' },
        { value: 3, labels: { state: 'a' }, metricName: 'h_seconds_count' },
        { value: 0, labels: { le: 10, state: 'b' }, metricName: 'h_seconds_bucket' },
        { value: 0, labels: { le: 100, state: 'b' }, metricName: 'h_seconds_bucket' },
        { value: 1, labels: { le: '+Inf', state: 'b' }, metricName: 'h_seconds_bucket', exemplar: endless },
        { value: 900, labels: { state: 'b' }, metricName: 'h_seconds_sum' },
        { value: 1, labels: { state: 'b' }, metricName: 'h_seconds_count' },
      ],
    });
    expect(await registry.metrics()).toContain('# TYPE h_seconds histogram\nh_seconds_bucket{le="10",state="a"} 2\n');
  });

  it('exposes nothing when this process exports no totals, and keeps them through a reset', async () => {
    const registry = new Registry();
    expect((await histogram(registry, async () => undefined).get()).values).toEqual([]);
    const other = new Registry();
    const h = histogram(other, async () => [row('a', 10, 1, 5)]);
    other.resetMetrics();
    expect((await h.get()).values[0]).toEqual({ value: 1, labels: { le: 10, state: 'a' }, metricName: 'h_seconds_bucket' });
  });
});
