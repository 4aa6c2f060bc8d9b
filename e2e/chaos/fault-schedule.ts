import { seededRandom } from '../../common/test/seeded-random';

/**
 * A fault the chaos run injects. Kills are SIGKILL (no shutdown code runs) followed by a restart
 * after `downMs`; the outage stops both collectors for `downMs`; slowness delays every chunk the
 * balancer in front of the collectors forwards, both ways, by `delayMs` for `downMs`.
 */
export type Fault =
  | { readonly kind: 'kill-tracker'; readonly replica: number; readonly downMs: number }
  | { readonly kind: 'kill-collector'; readonly replica: number; readonly downMs: number }
  | { readonly kind: 'kill-sdk-host'; readonly downMs: number }
  | { readonly kind: 'kill-outbox'; readonly downMs: number }
  | { readonly kind: 'kill-tap'; readonly downMs: number }
  | { readonly kind: 'restart-kafka' }
  | { readonly kind: 'restart-postgres' }
  | { readonly kind: 'collector-outage'; readonly downMs: number }
  | { readonly kind: 'add-tracker' }
  | { readonly kind: 'remove-tracker' }
  | { readonly kind: 'slow-network'; readonly delayMs: number; readonly downMs: number };

export interface ScheduledFault {
  /** When it starts, in ms after the run started (later if the fault before it is still running). */
  readonly atMs: number;
  readonly fault: Fault;
}

export interface FaultScheduleOptions {
  readonly seed: number;
  /** Faults start within [0, windowMs). */
  readonly windowMs: number;
  /** How long both collectors stay down in the outage (the 60 s; shorter in CI's quick run). */
  readonly outageMs: number;
  /** Tracker replicas at the start (kills pick one of them). */
  readonly trackers: number;
  readonly collectors: number;
}

/**
 * Every kind of fault once, at seeded random points of the window, in time order. `add-tracker`
 * always comes before `remove-tracker`, so the group never drops below its starting size minus
 * one while an added replica is still joining.
 */
export function planFaults(options: FaultScheduleOptions): ScheduledFault[] {
  const rng = seededRandom(options.seed ^ 0x5eed);
  const down = () => 1000 + rng.int(4000);
  const faults: Fault[] = [
    { kind: 'kill-tracker', replica: rng.int(options.trackers), downMs: down() },
    { kind: 'kill-collector', replica: rng.int(options.collectors), downMs: down() },
    { kind: 'kill-sdk-host', downMs: down() },
    { kind: 'kill-outbox', downMs: down() },
    { kind: 'kill-tap', downMs: down() },
    { kind: 'restart-kafka' },
    { kind: 'restart-postgres' },
    { kind: 'collector-outage', downMs: options.outageMs },
    { kind: 'slow-network', delayMs: 100 + rng.int(400), downMs: 5000 + rng.int(10_000) },
    { kind: 'add-tracker' },
    { kind: 'remove-tracker' },
  ];
  const times = faults.map(() => rng.int(options.windowMs)).sort((a, b) => a - b);
  // Shuffled, then the replica changes put in order (add first) on the times they drew.
  for (let i = faults.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [faults[i], faults[j]] = [faults[j]!, faults[i]!];
  }
  const add = faults.findIndex((f) => f.kind === 'add-tracker');
  const remove = faults.findIndex((f) => f.kind === 'remove-tracker');
  if (remove < add) [faults[add], faults[remove]] = [faults[remove]!, faults[add]!];
  return faults.map((fault, i) => ({ atMs: times[i]!, fault }));
}

/** One line per fault, for the run's log and summary. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill-tracker':
    case 'kill-collector':
      return `SIGKILL ${fault.kind.slice(5)} ${fault.replica + 1}, restarted after ${fault.downMs} ms`;
    case 'kill-sdk-host':
      return `SIGKILL the SDK's host process, restarted after ${fault.downMs} ms`;
    case 'kill-outbox':
    case 'kill-tap':
      return `SIGKILL the ${fault.kind === 'kill-outbox' ? 'pg-outbox' : 'amqp-tap'} sidecar, restarted after ${fault.downMs} ms`;
    case 'restart-kafka':
      return 'restart the Kafka broker (scripts/kafka.sh stop, start)';
    case 'restart-postgres':
      return 'restart PostgreSQL (fast shutdown, start)';
    case 'collector-outage':
      return `both collectors down for ${fault.downMs} ms`;
    case 'slow-network':
      return `every chunk to and from the collectors delayed ${fault.delayMs} ms for ${fault.downMs} ms`;
    case 'add-tracker':
      return 'a tracker replica added to the consumer group';
    case 'remove-tracker':
      return 'a tracker replica removed (SIGTERM) from the consumer group';
  }
}
