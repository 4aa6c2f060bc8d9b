import type { OrderEvent } from '../../events';
import type { HistogramChange } from './histogram-changes';

/** An OpenMetrics exemplar as prom-client prints it: `# {trace_id="..."} 12.5 1764761234.567`. */
export interface Exemplar {
  readonly labelSet: { readonly trace_id: string };
  /** The observed value: the stay's duration in seconds. */
  readonly value: number;
  /** When it was observed (applied), in seconds since the epoch. */
  readonly timestamp: number;
}

/**
 * The newest exemplar per bucket of the time-in-state histogram: for each (state, bucket) the trace of
 * the event that ended the latest stay observed there, so that Grafana can jump from a slow bucket to
 * a trace of an order that was that slow. Kept in memory only: an exemplar is a pointer for a person,
 * not a total, and a restarted tracker points at the stays it observes from then on. Bounded by
 * states x buckets.
 */
export class LatestExemplars {
  private readonly latest = new Map<string, Exemplar>();

  constructor(private readonly bounds: readonly number[]) {}

  /** Takes the new observations of a committed batch; `events` are the batch's, to find their traces. */
  record(changes: readonly HistogramChange[], events: readonly OrderEvent[], nowMs: number): void {
    let traces: Map<string, string> | undefined;
    for (const change of changes) {
      if (change.histogram !== 'state_duration' || change.retracted || change.closedByEventId === undefined) continue;
      traces ??= new Map(events.flatMap((e) => (e.trace_id ? [[e.event_id, e.trace_id] as const] : [])));
      const traceId = traces.get(change.closedByEventId);
      // An event without a trace (a database trigger's) leaves the bucket's previous exemplar in place.
      if (traceId === undefined) continue;
      this.latest.set(key(change.state, this.bucketOf(change.seconds)), { labelSet: { trace_id: traceId }, value: change.seconds, timestamp: nowMs / 1000 });
    }
  }

  /** The exemplar of bucket `index` of `state` (index = bounds.length: the +Inf bucket). */
  of(state: string, index: number): Exemplar | undefined {
    return this.latest.get(key(state, index));
  }

  /** The bucket a value falls in: the first bound at or above it, else +Inf. */
  private bucketOf(seconds: number): number {
    const i = this.bounds.findIndex((b) => seconds <= b);
    return i < 0 ? this.bounds.length : i;
  }
}

function key(state: string, index: number): string {
  return `${state}\u0000${index}`;
}
