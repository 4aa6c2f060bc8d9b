import { isRetriable, sleep } from '../../common';
import type { ProductionStep } from '../mes/store/production-orders';
import { OrderMovedOn, type PipelineClient } from './client';

/** What the people around the pipeline did so far. */
export interface FloorCounts {
  confirmed: number;
  started: number;
  finished: number;
  shipped: number;
  /** Calls that failed in a way worth another try (a service briefly unavailable); the order is tried again. */
  failed: number;
}

export interface FloorOptions {
  /** How long a role waits before looking again when it found nothing to do. Default 250 ms. */
  readonly idleMs?: number;
  /** Calls each role makes at once. Default 8. */
  readonly parallel?: number;
  /** Orders a role takes per look. Default 100. */
  readonly batch?: number;
}

/** The people around the pipeline, running until stopped. */
export interface Floor {
  readonly counts: Readonly<FloorCounts>;
  /** Stops every role after its current batch; rejects if a role failed for good (a bug, not an outage). */
  stop(): Promise<void>;
}

type Role = { name: keyof FloorCounts; work: (client: PipelineClient, batch: number) => Promise<(() => Promise<unknown>)[]> };

const shopFloorStep = (name: keyof FloorCounts, from: 'queued' | 'in_production' | 'produced', step: ProductionStep): Role => ({
  name,
  work: async (client, batch) => (await client.production(from, batch)).map((o) => () => client.step(o.order_id, step)),
});

/**
 * The roles, each an independent loop so that a busy one never holds up another: the operators
 * confirm the orders assigned to them; the shop floor starts queued production orders, finishes
 * those in production and ships those produced.
 */
const ROLES: readonly Role[] = [
  { name: 'confirmed', work: async (client, batch) => (await client.crmOrders('assigned', batch)).map((o) => () => client.confirm(o.order_id, o.operator_id!)) },
  shopFloorStep('started', 'queued', 'start'),
  shopFloorStep('finished', 'in_production', 'finish'),
  shopFloorStep('shipped', 'produced', 'ship'),
];

/**
 * Plays the operators and the shop floor against the pipeline's APIs until stopped: what the e2e
 * test and a demo need besides customers. A 409 means another driver moved the order first (fine);
 * a retriable failure is counted and the order is tried again on the next look.
 */
export function startFloor(client: PipelineClient, options: FloorOptions = {}): Floor {
  const idleMs = options.idleMs ?? 250;
  const parallel = options.parallel ?? 8;
  const batch = options.batch ?? 100;
  const counts: FloorCounts = { confirmed: 0, started: 0, finished: 0, shipped: 0, failed: 0 };
  let running = true;

  const loop = async (role: Role) => {
    while (running) {
      let tasks: (() => Promise<unknown>)[] = [];
      try {
        tasks = await role.work(client, batch);
      } catch (err) {
        if (!isRetriable(err)) throw err;
        counts.failed += 1;
      }
      await runLimited(
        tasks.map((task) => async () => {
          try {
            await task();
            counts[role.name] += 1;
          } catch (err) {
            if (err instanceof OrderMovedOn) return;
            if (!isRetriable(err)) throw err;
            counts.failed += 1;
          }
        }),
        parallel,
      );
      if (tasks.length === 0) await sleep(idleMs);
    }
  };
  const loops = Promise.all(ROLES.map(loop));
  // Seen by stop(); until then a failed loop must not be an unhandled rejection.
  loops.catch(() => undefined);
  return {
    counts,
    stop: async () => {
      running = false;
      await loops;
    },
  };
}

/** Runs tasks with at most `parallel` in flight. */
export async function runLimited(tasks: readonly (() => Promise<void>)[], parallel: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, tasks.length) }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  });
  await Promise.all(lanes);
}
