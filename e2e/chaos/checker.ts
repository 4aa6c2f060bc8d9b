/**
 * The chaos suite's independent checker: it knows every event the sources emitted (from their own
 * logs, not from orderscope) and judges what the tracker stored after the run, the way a Jepsen
 * checker judges a queue's history. Pure: the test reads the store and hands the rows in.
 *
 * An event is identified by (order, state): the workload emits each state of an order once, so two
 * stored events with one key are a duplicate that the event_id did not catch (an agent that made a
 * new id for a resend), and a stored key nobody emitted is unexpected.
 */

export interface EmittedEvent {
  readonly orderId: string;
  readonly state: string;
  readonly occurredAtMs: number;
}

export interface StoredEvent {
  readonly orderId: string;
  readonly state: string;
  readonly occurredAtMs: number;
  /** The tracker's conformance verdict: null when the event fits the model. */
  readonly violation: string | null;
}

export interface StoredStay {
  readonly orderId: string;
  readonly seqNo: number;
  readonly state: string;
  readonly enteredAtMs: number;
  readonly leftAtMs: number;
  readonly durationSeconds: number;
}

export interface StoredOrder {
  readonly orderId: string;
  readonly state: string;
  readonly stateSinceMs: number;
  readonly firstEventAtMs: number;
  readonly status: string;
}

/** A histogram's stored totals, summed over every tracker instance: observed minus retracted per bucket. */
export interface StoredHistogram {
  /** Bucket upper bounds as the tracker exposes them, ascending, without +Inf. */
  readonly bounds: readonly number[];
  /** Rows of histogram_totals (`le` Infinity for +Inf), net of retractions: count and sum of seconds. */
  readonly rows: readonly { readonly state: string; readonly le: number; readonly count: number; readonly sum: number }[];
}

export interface CheckInput {
  readonly emitted: readonly EmittedEvent[];
  readonly events: readonly StoredEvent[];
  readonly stays: readonly StoredStay[];
  readonly orders: readonly StoredOrder[];
  readonly stateDuration: StoredHistogram;
  readonly leadTime: StoredHistogram;
  /** The model's terminal state (lead time is observed when an order reaches it). */
  readonly terminal: string;
  /** Orders the workload stalled on purpose: these, and only these, must be flagged lost (and end lost; every other order ends done). */
  readonly stalled: ReadonlySet<string>;
  /** Orders the tracker ever flagged lost (its status history). */
  readonly flaggedLost: ReadonlySet<string>;
}

export interface ChaosSummary {
  readonly emitted: number;
  readonly applied: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unexpected: number;
  /** Stored events the tracker found against the model (an order's events applied out of order would show here). */
  readonly violations: number;
  /** Orders whose stored stays differ from the in-order, fault-free timeline of what was emitted. */
  readonly ordersWithOtherStays: number;
  /**
   * Histogram buckets (state, bound) whose stored totals differ from the observations of the
   * fault-free timeline, stored under a bound the tracker does not expose, or states whose sum differs.
   */
  readonly histogramBucketsDiffering: number;
  /** Orders whose final status is not the one their timeline gives (lost for a stalled order, else done). */
  readonly ordersWithOtherStatus: number;
  readonly falselyLost: number;
  readonly missedLost: number;
  /** A few examples of each kind of difference, for the failure message. */
  readonly examples: readonly string[];
}

const key = (orderId: string, state: string) => `${orderId}\u0000${state}`;
const MAX_EXAMPLES = 12;

export function checkChaosRun(input: CheckInput): ChaosSummary {
  const examples: string[] = [];
  const example = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };

  const emitted = new Map<string, EmittedEvent>();
  for (const e of input.emitted) emitted.set(key(e.orderId, e.state), e);
  const stored = new Map<string, number>();
  for (const e of input.events) stored.set(key(e.orderId, e.state), (stored.get(key(e.orderId, e.state)) ?? 0) + 1);

  let applied = 0;
  let lost = 0;
  for (const [k, e] of emitted) {
    if (stored.has(k)) applied++;
    else {
      lost++;
      example(`lost: ${e.orderId} ${e.state} emitted at ${new Date(e.occurredAtMs).toISOString()}`);
    }
  }
  let duplicated = 0;
  let unexpected = 0;
  for (const [k, n] of stored) {
    if (n > 1) {
      duplicated += n - 1;
      example(`duplicated ×${n}: ${k.replace('\u0000', ' ')}`);
    }
    if (!emitted.has(k)) {
      unexpected++;
      example(`unexpected: ${k.replace('\u0000', ' ')}`);
    }
  }
  const violations = input.events.filter((e) => e.violation !== null).length;

  const ordersWithOtherStays = compareTimelines(input, example);
  const timelines = faultFreeTimelines(input.emitted);
  const histogramBucketsDiffering =
    compareHistogram('time in state', input.stateDuration, stayObservations(timelines), example) +
    compareHistogram('lead time', input.leadTime, leadTimes(timelines, input.terminal), example);
  let ordersWithOtherStatus = 0;
  for (const o of input.orders) {
    const want = input.stalled.has(o.orderId) ? 'lost' : 'done';
    if (o.status !== want) {
      ordersWithOtherStatus++;
      example(`status of ${o.orderId}: ${o.status}, its timeline gives ${want}`);
    }
  }

  let falselyLost = 0;
  for (const id of input.flaggedLost) {
    if (!input.stalled.has(id)) {
      falselyLost++;
      example(`flagged lost but was not: ${id}`);
    }
  }
  let missedLost = 0;
  for (const id of input.stalled) {
    if (!input.flaggedLost.has(id)) {
      missedLost++;
      example(`lost but never flagged: ${id}`);
    }
  }

  return { emitted: emitted.size, applied, lost, duplicated, unexpected, violations, ordersWithOtherStays, histogramBucketsDiffering, ordersWithOtherStatus, falselyLost, missedLost, examples };
}

/** True when the run lost, duplicated, invented or misjudged nothing. */
export function isClean(s: ChaosSummary): boolean {
  return s.lost + s.duplicated + s.unexpected + s.violations + s.ordersWithOtherStays + s.histogramBucketsDiffering + s.ordersWithOtherStatus + s.falselyLost + s.missedLost === 0;
}

/** The summary as the suite prints it (and CI keeps in its output). */
export function formatSummary(s: ChaosSummary): string {
  const yesNo = (ok: boolean) => (ok ? 'yes' : 'no');
  return [
    `emitted ${s.emitted}, applied ${s.applied}, lost ${s.lost}, duplicated ${s.duplicated}, unexpected ${s.unexpected}`,
    `conformance violations: ${s.violations}`,
    `stays equal to the fault-free run: ${yesNo(s.ordersWithOtherStays === 0)}${s.ordersWithOtherStays ? ` (${s.ordersWithOtherStays} orders differ)` : ''}`,
    `histograms equal to the fault-free run's stays: ${yesNo(s.histogramBucketsDiffering === 0)}${s.histogramBucketsDiffering ? ` (${s.histogramBucketsDiffering} buckets or sums differ)` : ''}`,
    `final statuses as the timelines give: ${yesNo(s.ordersWithOtherStatus === 0)}${s.ordersWithOtherStatus ? ` (${s.ordersWithOtherStatus} orders differ)` : ''}`,
    `orders flagged lost that were not: ${s.falselyLost}; lost orders never flagged: ${s.missedLost}`,
    ...s.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/**
 * The fault-free run, computed here: each order's emitted events in event-time order give its stays
 * (a closed stay per event but the last, which is the stay it is in now). The stored stays and the
 * order's current state must be exactly these.
 */
function compareTimelines(input: CheckInput, example: (text: string) => void): number {
  const staysByOrder = groupBy(input.stays, (s) => s.orderId);
  const orders = new Map(input.orders.map((o) => [o.orderId, o]));
  let differing = 0;
  for (const [orderId, timeline] of faultFreeTimelines(input.emitted)) {
    const expected = timeline.slice(0, -1).map((e, i) => `${e.state}@${e.occurredAtMs}-${timeline[i + 1]!.occurredAtMs}`);
    const actual = [...(staysByOrder.get(orderId) ?? [])].sort((a, b) => a.seqNo - b.seqNo).map((s) => `${s.state}@${s.enteredAtMs}-${s.leftAtMs}`);
    const last = timeline.at(-1)!;
    const order = orders.get(orderId);
    const current = order ? `${order.state}@${order.stateSinceMs}` : 'no order';
    if (expected.join() !== actual.join() || current !== `${last.state}@${last.occurredAtMs}`) {
      differing++;
      example(`stays of ${orderId}: expected ${[...expected, `${last.state}@${last.occurredAtMs}`].join(' ')}, stored ${[...actual, current].join(' ')}`);
    }
  }
  return differing;
}

/** Each order's emitted events in event-time order. */
function faultFreeTimelines(emitted: readonly EmittedEvent[]): Map<string, EmittedEvent[]> {
  const byOrder = groupBy(emitted, (e) => e.orderId);
  for (const events of byOrder.values()) events.sort((a, b) => a.occurredAtMs - b.occurredAtMs);
  return byOrder;
}

/** One time-in-state observation per closed stay of the timelines: the state, and the time to the next event. */
function stayObservations(timelines: Map<string, EmittedEvent[]>): { state: string; seconds: number }[] {
  return [...timelines.values()].flatMap((t) => t.slice(0, -1).map((e, i) => ({ state: e.state, seconds: (t[i + 1]!.occurredAtMs - e.occurredAtMs) / 1000 })));
}

/** One lead-time observation per order that reached the terminal state: from its first event to that one. */
function leadTimes(timelines: Map<string, EmittedEvent[]>, terminal: string): { state: string; seconds: number }[] {
  return [...timelines.values()].filter((t) => t.at(-1)!.state === terminal).map((t) => ({ state: terminal, seconds: (t.at(-1)!.occurredAtMs - t[0]!.occurredAtMs) / 1000 }));
}

/**
 * Buckets (state, bound index) where the stored totals and the observations disagree, rows stored
 * under a bound the tracker does not expose, and states whose stored sum is not the observations'.
 */
function compareHistogram(name: string, histogram: StoredHistogram, observations: readonly { state: string; seconds: number }[], example: (text: string) => void): number {
  const bucketOf = (seconds: number) => {
    const i = histogram.bounds.findIndex((b) => seconds <= b);
    return i < 0 ? histogram.bounds.length : i;
  };
  const expected = new Map<string, number>();
  const expectedSum = new Map<string, number>();
  for (const o of observations) {
    add(expected, `${o.state}\u0000${bucketOf(o.seconds)}`, 1);
    add(expectedSum, o.state, o.seconds);
  }
  const actual = new Map<string, number>();
  const actualSum = new Map<string, number>();
  let differing = 0;
  for (const r of histogram.rows) {
    if (r.le !== Infinity && !histogram.bounds.includes(r.le)) {
      differing++;
      example(`${name} histogram, ${r.state}: ${r.count} stored under le=${r.le}, which is no bound of the histogram`);
    }
    add(actual, `${r.state}\u0000${bucketOf(r.le)}`, r.count);
    add(actualSum, r.state, r.sum);
  }
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(k) ?? 0;
    const got = actual.get(k) ?? 0;
    if (want === got) continue;
    differing++;
    const [state, bucket] = k.split('\u0000');
    example(`${name} histogram, ${state} le=${histogram.bounds[Number(bucket)] ?? '+Inf'}: stored ${got}, stays ${want}`);
  }
  for (const state of new Set([...expectedSum.keys(), ...actualSum.keys()])) {
    const want = expectedSum.get(state) ?? 0;
    const got = actualSum.get(state) ?? 0;
    // Sums of seconds with millisecond parts, added in another order: equal up to rounding.
    if (Math.abs(want - got) <= 1e-6 * Math.max(1, Math.abs(want))) continue;
    differing++;
    example(`${name} histogram, ${state}: stored sum ${got} s, stays ${want} s`);
  }
  return differing;
}

function add(map: Map<string, number>, k: string, n: number): void {
  map.set(k, (map.get(k) ?? 0) + n);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
