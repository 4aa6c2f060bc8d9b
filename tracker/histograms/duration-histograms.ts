import type { Registry } from 'prom-client';
import type { OrderEvent, ProcessModel } from '../../events';
import { TRACKER_METRICS } from '../metric-names';
import { LatestExemplars } from './exemplars';
import type { HistogramChange } from './histogram-changes';
import type { BucketTotal } from './histogram-totals-table';
import { StoredHistogram } from './stored-histogram';

export interface DurationHistogramsOptions {
  readonly registry: Registry;
  readonly model: ProcessModel;
  /** Reads this tracker instance's totals from the store (histogram_totals): on scrape, one read shared by the four histograms. */
  readonly readTotals: () => Promise<readonly BucketTotal[]>;
  /** Whether this process exports the instance's histograms now: while it holds the instance's lease. */
  readonly exportsDurations: () => boolean;
  /** Where a failed totals read goes; the histograms keep their last values meanwhile. */
  readonly onTotalsError: (err: unknown) => void;
}

/**
 * The four duration histograms (time in state, lead time, and their *_retracted twins) in the
 * registry. They are not observed in memory: each scrape reads this instance's totals from the store,
 * which the apply transaction keeps (every closed stay and finished order added exactly once, taken
 * back exactly once if a late event rewrites it). So they equal the store from the first scrape after
 * a start, and after a commit whose outcome the process never learnt (the connection dropped during
 * COMMIT: the retry finds the events stored and adds nothing, and the totals already have them). A
 * scrape costs one read of the instance's rows, one per series and bucket. While this process does
 * not hold the instance's lease, they export no series at all, so that one instance is never
 * exported twice.
 */
export class DurationHistograms {
  private readonly exemplars: LatestExemplars;
  private totalsRead: Promise<readonly BucketTotal[]> | undefined;
  private lastTotals: readonly BucketTotal[] = [];

  constructor(private readonly options: DurationHistogramsOptions) {
    const { registry, model } = options;
    const bounds = model.durationBuckets();
    this.exemplars = new LatestExemplars(bounds);
    // Series exist from the start, at zero, so that rates and alerts do not see them appear late.
    const allStates = model.states.map((s) => s.name);
    const terminalStates = model.states.filter((s) => s.terminal).map((s) => s.name);
    for (const [key, states] of [
      ['stateDuration', allStates],
      ['stateDurationRetracted', allStates],
      ['leadTime', terminalStates],
      ['leadTimeRetracted', terminalStates],
    ] as const) {
      const { name, help } = TRACKER_METRICS[key];
      const totals = async () => (options.exportsDurations() ? (await this.readTotals()).filter((t) => t.metric === name) : undefined);
      // Exemplars on the time-in-state histogram only: a slow bucket leads to a trace of a slow stay.
      const exemplar = key === 'stateDuration' ? (state: string, bucket: number) => this.exemplars.of(state, bucket) : undefined;
      new StoredHistogram({ name, help, bounds, states, totals, ...(exemplar && { exemplar }) }, registry);
    }
  }

  /**
   * Takes the changes of a committed batch for the exemplars; the changes themselves are already in
   * the store's totals, which is what the histograms export.
   */
  recordCommitted(changes: readonly HistogramChange[], events: readonly OrderEvent[], nowMs: number): void {
    this.exemplars.record(changes, events, nowMs);
  }

  /**
   * This instance's totals for one scrape: concurrent callers (the four histograms of a scrape) share
   * one read; a later scrape reads again, so nothing is older than the scrape that asked. When the read
   * fails, the last totals read (counts never go down, so they are still a valid histogram).
   */
  private readTotals(): Promise<readonly BucketTotal[]> {
    return (this.totalsRead ??= this.options
      .readTotals()
      .then(
        (totals) => (this.lastTotals = totals),
        (err: unknown) => {
          this.options.onTotalsError(err);
          return this.lastTotals;
        },
      )
      .finally(() => {
        this.totalsRead = undefined;
      }));
  }
}
