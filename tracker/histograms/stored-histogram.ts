import type { Metric, Registry } from 'prom-client';
import type { Exemplar } from './exemplars';
import type { BucketTotal } from './histogram-totals-table';

/** One series of a histogram: cumulative count per bound (`buckets[i]` for `bounds[i]`), total count and sum. */
export interface HistogramSeries {
  readonly state: string;
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/**
 * The series of one histogram from its stored per-bucket totals (the rows of one metric): counts
 * made cumulative, as Prometheus exposes them, one series per state of `states` (at zero when it has
 * no rows) and per state found in the rows. A row whose bound the model no longer has counts in the
 * next bound up (in +Inf, that is in `count` only, past the last one). Time in the number of rows
 * and buckets, whatever the number of observations they add up.
 */
export function histogramSeries(totals: readonly BucketTotal[], bounds: readonly number[], states: readonly string[]): HistogramSeries[] {
  const byState = new Map<string, { perBucket: number[]; count: number; sum: number }>();
  const entry = (state: string) => {
    let e = byState.get(state);
    if (!e) byState.set(state, (e = { perBucket: bounds.map(() => 0), count: 0, sum: 0 }));
    return e;
  };
  for (const state of states) entry(state);
  for (const t of totals) {
    const e = entry(t.state);
    const i = bounds.findIndex((b) => b >= t.le);
    if (i >= 0) e.perBucket[i]! += t.count;
    e.count += t.count;
    e.sum += t.sum;
  }
  return [...byState].map(([state, e]) => {
    let running = 0;
    return { state, buckets: e.perBucket.map((n) => (running += n)), count: e.count, sum: e.sum };
  });
}

export interface StoredHistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Bucket upper bounds, ascending, without +Inf. */
  readonly bounds: readonly number[];
  /** States whose series exist (at zero) from the start. */
  readonly states: readonly string[];
  /** This histogram's rows of the stored totals, read at scrape; undefined when this process exports none. */
  readonly totals: () => Promise<readonly BucketTotal[] | undefined>;
  /** The exemplar of a bucket (index into bounds; bounds.length for +Inf), shown in the OpenMetrics exposition. */
  readonly exemplar?: (state: string, bucket: number) => Exemplar | undefined;
}

/** One exposed sample, in the shape prom-client's registry prints (and `get()` of its metrics returns). */
interface Sample {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName: string;
  readonly exemplar?: Exemplar;
}

/**
 * A histogram whose values are not observed in memory but read from the store at each scrape
 * ({@link histogramSeries} of its totals): what is exported is what is stored, whatever happened to
 * the process between (a commit whose outcome it never learnt, a restart). Exposed like a prom-client
 * `Histogram` labelled by `state` (`_bucket{le,state}` cumulative with `+Inf`, `_sum`, `_count`), in
 * the registry it is given, through the registry's public `registerMetric`: prom-client has no way to
 * set a histogram's buckets, only to observe values one at a time.
 */
export class StoredHistogram {
  readonly type = 'histogram';
  /** How prom-client's cluster mode would merge workers: the sum, as for its own histograms. */
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;

  constructor(
    private readonly options: StoredHistogramOptions,
    registry: Registry,
  ) {
    this.name = options.name;
    this.help = options.help;
    // The registry reads name, help, type and get() (and reset() on resetMetrics): this class has them.
    registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const totals = await this.options.totals();
    const values: Sample[] = [];
    if (totals !== undefined) {
      const { name, bounds } = this.options;
      for (const s of histogramSeries(totals, bounds, this.options.states)) {
        const exemplar = (i: number) => {
          const e = this.options.exemplar?.(s.state, i);
          return e && { exemplar: e };
        };
        bounds.forEach((le, i) => values.push({ value: s.buckets[i]!, labels: { le, state: s.state }, metricName: `${name}_bucket`, ...exemplar(i) }));
        values.push({ value: s.count, labels: { le: '+Inf', state: s.state }, metricName: `${name}_bucket`, ...exemplar(bounds.length) });
        values.push({ value: s.sum, labels: { state: s.state }, metricName: `${name}_sum` });
        values.push({ value: s.count, labels: { state: s.state }, metricName: `${name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Nothing to reset: the values live in the store. */
  reset(): void {}
}
