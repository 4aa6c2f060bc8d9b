import type { Stay } from '../../tracker';

/** What was seen of one state across all orders (closed stays summarised by their percentiles). */
export interface StateSummary {
  /** Stays that ended (the order moved on), and of them the exact percentiles and mean, in seconds. */
  readonly closed: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly mean: number | null;
  /** Orders still in the state at the end of the data. */
  readonly open: number;
  /** Stays per owning system (the source of the events that entered the state). */
  readonly systems: ReadonlyMap<string, number>;
  /** Events per activity text (the `activity` attribute imports keep): the label and aliases. */
  readonly labels: ReadonlyMap<string, number>;
  /** The mean position of the state's first stay in an order (0 = where orders start): the model's order. */
  readonly meanFirstPosition: number;
}

/** What was seen of a process: the input of {@link proposeModel}, from a log or from the store. */
export interface Observations {
  /** Where it came from, for the model's header comment ("orders.csv", "the store"). */
  readonly origin: string;
  readonly orders: number;
  readonly events: number;
  /** First and last event time, RFC 3339, or null without events. */
  readonly firstEventAt: string | null;
  readonly lastEventAt: string | null;
  readonly states: ReadonlyMap<string, StateSummary>;
  /** Moves from one state to the next: from -> to -> orders that made it. */
  readonly transitions: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Orders per first state, and per state they were in at the end of the data. */
  readonly starts: ReadonlyMap<string, number>;
  readonly ends: ReadonlyMap<string, number>;
}

/**
 * Collects observations order by order from their stays (as the tracker computes them, so the
 * proposal sees exactly what the tracker will): memory grows with the stays (their durations are
 * needed for exact percentiles), not with the events.
 */
export class ObservationCollector {
  private orders = 0;
  private events = 0;
  private first: number | null = null;
  private last: number | null = null;
  private readonly durations = new Map<string, number[]>();
  private readonly open = new Map<string, number>();
  private readonly systems = new Map<string, Map<string, number>>();
  private readonly labels = new Map<string, Map<string, number>>();
  private readonly positions = new Map<string, { sum: number; count: number }>();
  private readonly transitions = new Map<string, Map<string, number>>();
  private readonly starts = new Map<string, number>();
  private readonly ends = new Map<string, number>();

  /** One order: its stays in order, its event count and time span, and the activity text of each of its events. */
  addOrder(stays: readonly Stay[], events: number, firstAt: number, lastAt: number, activities: readonly { state: string; activity: string }[]): void {
    this.orders++;
    this.events += events;
    this.first = this.first === null ? firstAt : Math.min(this.first, firstAt);
    this.last = this.last === null ? lastAt : Math.max(this.last, lastAt);
    const seen = new Set<string>();
    stays.forEach((stay, i) => {
      if (stay.durationSeconds === null) add(this.open, stay.state, 1);
      else push(this.durations, stay.state, stay.durationSeconds);
      add(mapOf(this.systems, stay.state), stay.system, 1);
      if (!seen.has(stay.state)) {
        seen.add(stay.state);
        const p = this.positions.get(stay.state) ?? { sum: 0, count: 0 };
        this.positions.set(stay.state, { sum: p.sum + i, count: p.count + 1 });
      }
      const next = stays[i + 1];
      if (next) add(mapOf(this.transitions, stay.state), next.state, 1);
    });
    if (stays.length) {
      add(this.starts, stays[0]!.state, 1);
      add(this.ends, stays[stays.length - 1]!.state, 1);
    }
    for (const a of activities) add(mapOf(this.labels, a.state), a.activity, 1);
  }

  result(origin: string): Observations {
    const names = new Set([...this.durations.keys(), ...this.open.keys()]);
    const states = new Map<string, StateSummary>();
    for (const name of names) {
      const sorted = (this.durations.get(name) ?? []).sort((a, b) => a - b);
      const position = this.positions.get(name) ?? { sum: 0, count: 1 };
      states.set(name, {
        closed: sorted.length,
        p50: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        p99: percentile(sorted, 0.99),
        mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
        open: this.open.get(name) ?? 0,
        systems: this.systems.get(name) ?? new Map(),
        labels: this.labels.get(name) ?? new Map(),
        meanFirstPosition: position.sum / position.count,
      });
    }
    const iso = (micros: number | null) => (micros === null ? null : new Date(micros / 1000).toISOString());
    return {
      origin,
      orders: this.orders,
      events: this.events,
      firstEventAt: iso(this.first),
      lastEventAt: iso(this.last),
      states,
      transitions: this.transitions,
      starts: this.starts,
      ends: this.ends,
    };
  }
}

/**
 * The percentile as PostgreSQL's percentile_cont computes it (linear between the two nearest values),
 * so that a proposal from a file and one from the store agree; null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function add<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function mapOf<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}
