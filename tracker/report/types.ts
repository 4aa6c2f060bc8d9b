/**
 * The order-latency report: what a manager reads for a period. Times are RFC 3339 strings (UTC),
 * durations are seconds, shares are fractions from 0 to 1, and a figure that cannot be computed (no
 * data, no SLA) is null. The JSON answer is this structure with snake_case keys (see json-keys.ts).
 *
 * Which rows fall in the period [from, to):
 * - a closed stay when it **ended** in the period (left_at), with its duration;
 * - the stay an order is in now when it **started** in the period (entered_at), with its age at
 *   `measuredUntil` (the end of the period, or now if earlier): an order stuck since Tuesday counts
 *   as a long stay, instead of being missing until it moves;
 * - a finished order when it **reached its terminal state** in the period; its lead time is first
 *   event to terminal state;
 * - a stuck or lost flag when the detector **raised it** in the period (status_changes.at, wall clock).
 */
export const STAYS_COUNTED = ['closed_and_open', 'closed'] as const;
export type StaysCounted = (typeof STAYS_COUNTED)[number];

/**
 * How the report's figures were computed: `exact` from every stay and order of the period (exact
 * percentile_cont); `rollup` from the daily rollups for the whole UTC days of the period and the raw
 * rows, bucketed alike, for the partial days at its edges (see relativeError).
 */
export const REPORT_METHODS = ['rollup', 'exact'] as const;
export type ReportMethod = (typeof REPORT_METHODS)[number];

export interface LatencyReport {
  readonly model: string;
  readonly method: ReportMethod;
  /**
   * The error bound of the method: 0 when exact. With rollups: each percentile is within this
   * fraction of the exact one (0.01: 1 %); counts and means are exact; a duration within about twice
   * this fraction of its state's SLA, or of a bin bound of the lead-time histogram, may be counted
   * on the other side of it.
   */
  readonly relativeError: number;
  readonly period: { readonly from: string; readonly to: string };
  /** Until when open stays were measured: min(to, generatedAt). */
  readonly measuredUntil: string;
  readonly generatedAt: string;
  /**
   * Which stays the time-in-state figures count: `closed` only (those that ended in the period), or
   * `closed_and_open` (also the stays orders are still in, at their age so far; the default).
   */
  readonly staysCounted: StaysCounted;
  /** Nothing happened in the period: no stay ended or started, no order finished, nothing was flagged. */
  readonly empty: boolean;
  readonly summary: ReportSummary;
  readonly states: readonly StateLatency[];
  readonly leadTime: LeadTimeSection;
  readonly slowest: readonly SlowOrder[];
  readonly lost: LostSection;
  readonly segments: readonly SegmentRow[];
  readonly operators: OperatorSection;
  readonly days: readonly DayRow[];
}

/** The headline figures. */
export interface ReportSummary {
  /** Orders that reached the completed state (the model's completion state, e.g. shipped). */
  readonly ordersCompleted: number;
  /** Orders that reached another terminal state (e.g. cancelled). */
  readonly ordersEndedOtherwise: number;
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
  /** Stays with an SLA verdict, and how many of them met it. */
  readonly staysJudged: number;
  readonly staysWithinSla: number;
  readonly withinSlaShare: number | null;
  /** Distinct orders the detector flagged stuck / lost in the period. */
  readonly ordersStuck: number;
  readonly ordersLost: number;
}

/** Time in one state: the stays of the period. Every state of the model that is not terminal has a row. */
export interface StateLatency {
  readonly state: string;
  /** What people call the state (the model's label; the name when it has none). */
  readonly label: string;
  readonly system: string | null;
  /** The state's expect_within; null when the model gives none (or does not know the state). */
  readonly slaSeconds: number | null;
  /** Stays in the period (an order that came back to the state counts once per visit). */
  readonly stays: number;
  /** Of which still open at measuredUntil (counted with their age so far). */
  readonly openStays: number;
  /** percentile_cont of the durations, in seconds (within relativeError with rollups); null when the state had no stay in the period. */
  readonly p50Seconds: number | null;
  readonly p90Seconds: number | null;
  readonly p99Seconds: number | null;
  /** The mean of the same durations; null when the state had no stay in the period. */
  readonly meanSeconds: number | null;
  /** Closed stays within the SLA; open stays are judged only once past it (then they missed). */
  readonly withinSla: number;
  readonly missedSla: number;
  /** withinSla / (withinSla + missedSla); null without an SLA or a verdict. */
  readonly withinSlaShare: number | null;
  /** Distinct orders flagged stuck / lost in this state in the period. */
  readonly stuck: number;
  readonly lost: number;
}

/** Lead-time percentiles of the orders that ended in one terminal state. */
export interface LeadTimeByEnd {
  readonly endState: string;
  /** Whether this is the completed state (the end of the main path) rather than e.g. cancelled. */
  readonly completed: boolean;
  readonly orders: number;
  readonly p50Seconds: number;
  readonly p90Seconds: number;
  readonly p99Seconds: number;
}

/** One bar of the lead-time histogram: [fromSeconds, toSeconds), the last one open-ended. */
export interface LeadTimeBin {
  readonly fromSeconds: number;
  readonly toSeconds: number | null;
  readonly completed: number;
  readonly endedOtherwise: number;
}

export interface LeadTimeSection {
  /** The terminal state that means "completed": the model's completion state (e.g. shipped). */
  readonly completedState: string | null;
  readonly byEnd: readonly LeadTimeByEnd[];
  /** Empty bins at both ends are left out; the bounds are round durations (1m, 2m, 5m, ... 1d, 2d, ...). */
  readonly histogram: readonly LeadTimeBin[];
}

/** One of the slowest finished orders. */
export interface SlowOrder {
  readonly orderId: string;
  readonly endState: string;
  readonly segment: string | null;
  readonly operatorId: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly leadTimeSeconds: number;
  /** Where it spent the most time, and how long. */
  readonly longestState: string | null;
  readonly longestStateSeconds: number | null;
}

/** An order lost in the period, and where. */
export interface LostOrder {
  readonly orderId: string;
  /** The state it was in when it was lost, and the system that owned it there. */
  readonly state: string;
  readonly system: string | null;
  /** lost_after (it stayed too long) or handoff_missed (the next system never took it). */
  readonly reason: string;
  /** For a missed handoff: the state that should have followed, and how the order travels there. */
  readonly handoffTo: string | null;
  readonly handoffVia: string | null;
  /** The state's lost_after, the limit a lost_after loss passed. */
  readonly lostAfterSeconds: number | null;
  readonly lostAt: string;
  readonly segment: string | null;
  readonly operatorId: string | null;
  /** Its status now: still lost, recovered, done... */
  readonly statusNow: string | null;
  readonly traceId: string | null;
}

export interface LostSection {
  /** All orders lost in the period; `orders` lists the latest ones, at most {@link LOST_LIST_LIMIT}. */
  readonly total: number;
  readonly orders: readonly LostOrder[];
}

/** B2B, B2C, ... (null: orders without a segment). */
export interface SegmentRow {
  readonly segment: string | null;
  readonly ordersCompleted: number;
  readonly ordersEndedOtherwise: number;
  /** Lead time of the completed orders. */
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
  readonly leadTimeP99Seconds: number | null;
  readonly stuck: number;
  readonly lost: number;
}

/** One operator's orders: the fairness view. */
export interface OperatorRow {
  /** null: orders that no operator took (operator_id never set). */
  readonly operatorId: string | null;
  /** Orders that went through the confirmation state in the period. */
  readonly orders: number;
  /** This operator's share of all those orders. */
  readonly shareOfOrders: number;
  /** Time to confirm: time in the confirmation state. */
  readonly timeToConfirmP50Seconds: number;
  readonly timeToConfirmP90Seconds: number;
  readonly withinSlaShare: number | null;
}

export interface OperatorSection {
  /**
   * The state whose time is "time to confirm": the state owned by the same system right before the
   * model's confirmation state (`roles: { confirmation }`; assigned, in the default model); null when
   * the model names no confirmation state or has no such state before it.
   */
  readonly confirmationState: string | null;
  readonly slaSeconds: number | null;
  readonly rows: readonly OperatorRow[];
}

/** One UTC day of the period. */
export interface DayRow {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly ordersCompleted: number;
  readonly ordersEndedOtherwise: number;
  /** Lead time of the orders completed that day. */
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
}

/** How many lost orders the report lists (the total is always given). */
export const LOST_LIST_LIMIT = 500;
/** How many of the slowest orders the report lists. */
export const SLOWEST_LIMIT = 10;
