import { seededRandom } from '../../common/test/seeded-random';

/** Which agent emits an event: the Node SDK in a host process, the pg-outbox sidecar, the amqp-tap sidecar. */
export type Emitter = 'sdk' | 'outbox' | 'tap';

export interface Step {
  readonly state: string;
  readonly emitter: Emitter;
}

/** The states of chaos-model.yaml in process order, and the agent that emits each. */
export const JOURNEY: readonly Step[] = [
  { state: 'placed', emitter: 'sdk' },
  { state: 'confirmed', emitter: 'outbox' },
  { state: 'released', emitter: 'tap' },
  { state: 'produced', emitter: 'outbox' },
  { state: 'shipped', emitter: 'sdk' },
];

/**
 * How a stalled order stops. `placed-long-ago`: placed two hours before the run (STALLED_AGE_MS) and
 * never again, lost the moment it arrives. `on-hold`: moves through released like the others, then
 * into on_hold (lost_after 15 s) while the faults run, so the sweeper must flag it in the middle of them.
 */
export type Stall = 'placed-long-ago' | 'on-hold';

const STALLED_STEPS: Readonly<Record<Stall, readonly Step[]>> = {
  'placed-long-ago': JOURNEY.slice(0, 1),
  'on-hold': [...JOURNEY.slice(0, 3), { state: 'on_hold', emitter: 'sdk' }],
};

/** The value of the pg-outbox source table's status column for each state it emits. */
export const OUTBOX_STATUS: Readonly<Record<string, string>> = { confirmed: 'CONFIRMED', produced: 'PRODUCED' };

/**
 * A stalled order was placed this long before the run started and never moves again: past the
 * model's lost_after (30 min) at once, so the tracker must flag it lost, and nothing else.
 */
export const STALLED_AGE_MS = 2 * 60 * 60 * 1000;

/**
 * Events of one order are emitted at least this far apart, measured from when the previous one was
 * in its source (committed, confirmed, handed to the SDK): the tap's occurred_at is the message's
 * AMQP timestamp, in whole seconds, so a closer pair could swap places in event time.
 */
export const MIN_GAP_MS = 1500;

export interface OrderPlan {
  readonly orderId: string;
  /** When its first event is due, in ms after the run started. */
  readonly startMs: number;
  /** The states it goes through, in order, each with the agent that emits it. */
  readonly steps: readonly Step[];
  /** Planned gaps before each later event (ms); the driver keeps at least MIN_GAP_MS after the previous one landed. */
  readonly gapsMs: readonly number[];
  /** How it stalls on purpose (it must be flagged lost, and no other order may be); undefined: it ships. */
  readonly stall?: Stall;
}

export interface WorkloadOptions {
  readonly seed: number;
  readonly orders: number;
  /** Orders start spread evenly at random over this window (ms). */
  readonly windowMs: number;
  /** Share of orders that stall after placed (flagged lost on purpose). */
  readonly stalledShare: number;
}

export interface Workload {
  readonly orders: readonly OrderPlan[];
  /** Events the plan emits: five per order that ships, fewer per stalled order. */
  readonly events: number;
}

/** The seeded plan of a chaos run: which orders, when each starts, how long each waits between states. */
export function planWorkload(options: WorkloadOptions): Workload {
  const rng = seededRandom(options.seed);
  const orders: OrderPlan[] = [];
  let events = 0;
  for (let i = 0; i < options.orders; i++) {
    const stall: Stall | undefined = rng.chance(options.stalledShare) ? (rng.chance(0.5) ? 'placed-long-ago' : 'on-hold') : undefined;
    const steps = stall ? STALLED_STEPS[stall] : JOURNEY;
    orders.push({
      orderId: `CH-${options.seed}-${String(i).padStart(6, '0')}`,
      startMs: rng.int(options.windowMs),
      steps,
      gapsMs: steps.slice(1).map(() => MIN_GAP_MS + rng.int(4000)),
      ...(stall && { stall }),
    });
    events += steps.length;
  }
  orders.sort((a, b) => a.startMs - b.startMs);
  return { orders, events };
}
