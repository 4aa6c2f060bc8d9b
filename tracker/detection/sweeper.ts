import { periodic } from '../../common';
import type { ProcessModel } from '../../events';
import { insertStatusChanges, sourceClocks, takeDueOrders, writeStatuses, WALL_CLOCK, type Db, type DueOrder, type OrderClock, type StatusChange } from '../store';
import type { Micros } from '../timeline';
import { decideAt, nextDeadline, statusesThrough, type SweepDecision } from './status-rules';

/** What one sweep did, once committed. */
export interface SweepResult {
  /** The wall-clock time the sweep compared deadlines with. */
  readonly at: Micros;
  /** Due orders it took. */
  readonly due: number;
  /** The status changes it made and recorded. */
  readonly changes: readonly StatusChange[];
  /** Transactions it took (one per batch of due orders). */
  readonly batches: number;
  /** How long it took, in seconds. */
  readonly seconds: number;
}

export interface SweeperOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  /** Time between the end of one sweep and the start of the next. */
  readonly intervalMs: number;
  /** Due orders per transaction. */
  readonly batchSize?: number;
  /** The wall clock, in ms. */
  readonly now?: () => number;
  /** Called after each sweep committed, to count and log its changes. */
  readonly onSweep?: (result: SweepResult) => void;
  /** Called when a sweep failed; the next one (an interval later) takes the same due orders. */
  readonly onError?: (err: unknown) => void;
}

/** The lost-order sweeper: one lifecycle, and a sweep on demand. */
export interface Sweeper {
  /** Sweeps now, then every interval (the timer does not keep the process alive). Once. */
  start(): void;
  /**
   * Sweeps now: takes every order due at this moment, in batches, and moves its status on. Sweeps of
   * one sweeper never overlap: a sweep asked for while one runs starts after it.
   */
  sweep(): Promise<SweepResult>;
  /** Stops the timer and waits for the sweep in progress. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * The sweeper of the lost-order detector. Each batch is one transaction: take up to `batchSize` due
 * orders with `FOR UPDATE SKIP LOCKED` (so that trackers sweeping the same database never take the
 * same order, and never wait for each other or for apply), decide each one's status
 * ({@link decideAt}), write it with a guarded update (an event applied in between wins), record the
 * changes in status_changes, and set each order's next deadline. A sweep goes on with the next batch
 * while batches come back full. Deadlines are in the database, so a restarted tracker finds what fell
 * due while it was down, and an order already flagged is not due again: nothing is missed, nothing
 * flagged twice.
 */
export function createSweeper(options: SweeperOptions): Sweeper {
  const { db, model } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const now = options.now ?? Date.now;
  const sweepAll = async (): Promise<SweepResult> => {
    const begin = process.hrtime.bigint();
    // One instant for the whole sweep: an order it writes is never due again at that instant, so
    // the loop ends.
    const at = Math.round(now() * 1000);
    const changes: StatusChange[] = [];
    let due = 0;
    let batches = 0;
    const sweepClock = async (clock: OrderClock, clockAt: Micros) => {
      for (;;) {
        const batch = await sweepBatch(db, model, clockAt, batchSize, clock);
        batches += 1;
        due += batch.due;
        changes.push(...batch.changes);
        // A full batch may leave more due orders; a row the guard kept (it changed under us) would be
        // taken again and again, so a batch that could not write all it took ends the sweep too.
        if (batch.due < batchSize || batch.written < batch.due) break;
      }
    };
    // The wall clock's orders, then each source's history: backfilled orders, judged at the event
    // time their source's history has reached (see migration 007).
    await sweepClock(WALL_CLOCK, at);
    for (const c of await sourceClocks(db)) await sweepClock({ kind: 'history', source: c.source }, c.watermark);
    const result = { at, due, changes, batches, seconds: Number(process.hrtime.bigint() - begin) / 1e9 };
    options.onSweep?.(result);
    return result;
  };

  const loop = periodic({ intervalMs: options.intervalMs, run: sweepAll, onError: (err) => options.onError?.(err) });
  return { start: loop.start, sweep: loop.runNow, close: loop.close };
}

/** One batch in one transaction: take, decide, write (guarded), record. */
async function sweepBatch(db: Db, model: ProcessModel, at: Micros, limit: number, clock: OrderClock): Promise<{ due: number; written: number; changes: StatusChange[] }> {
  return db.transaction(async (tx) => {
    // As in apply: with statistics from when the table was small, the planner would rather scan it
    // than walk the deadline index, a cost that grows with every open order.
    await tx.query('SET LOCAL enable_seqscan = off');
    const due = await takeDueOrders(tx, at, limit, clock);
    if (due.length === 0) return { due: 0, written: 0, changes: [] };
    const decided = due.map((order) => (clock.kind === 'wall' ? { order, ...wallDecision(order, model, at) } : { order, ...historyDecision(order, model, at) }));
    const written = await writeStatuses(
      tx,
      decided.map(({ order, status, nextDeadlineAt }) => ({ orderId: order.orderId, seen: order, status, nextDeadlineAt })),
      clock,
    );
    const changes = decided.flatMap(({ order, changes }) => (written.has(order.orderId) ? changes : []));
    await insertStatusChanges(tx, changes);
    return { due: due.length, written: written.size, changes };
  });
}

type Decided = { status: SweepDecision['status']; nextDeadlineAt: Micros | null; changes: StatusChange[] };

function wallDecision(order: DueOrder, model: ProcessModel, at: Micros): Decided {
  const decision = decideAt(order, model, at);
  return { status: decision.status, nextDeadlineAt: decision.nextDeadlineAt, changes: statusChangeOf(order, decision, at) };
}

/**
 * A backfilled order judged at `at`, the event time its source's history has reached: each limit
 * passed raises its status one step at its own instant, as a detector sweeping without pause would
 * have (statusesThrough), recorded at that event time and marked backfill (never paged).
 */
function historyDecision(order: DueOrder, model: ProcessModel, at: Micros): Decided {
  const { changes, standing } = statusesThrough(order, [{ state: order.state, enteredAt: order.stateSince, leftAt: at + 1 }], model);
  const status = standing!.status;
  return {
    status,
    nextDeadlineAt: nextDeadline({ ...order, status }, model)?.at ?? null,
    changes: changes.map((c) => ({ orderId: order.orderId, ...c, traceId: order.traceId, backfill: true })),
  };
}

/** The record of a due order's change, if a deadline moved it on (else only its deadline moved). */
function statusChangeOf(order: DueOrder, decision: SweepDecision, at: Micros): StatusChange[] {
  const { passed } = decision;
  if (!passed || decision.status === order.status) return [];
  return [
    {
      orderId: order.orderId,
      fromStatus: order.status,
      toStatus: decision.status,
      state: order.state,
      reason: passed.reason,
      handoffTo: passed.handoff?.to ?? null,
      deadlineAt: passed.at,
      at,
      traceId: order.traceId,
    },
  ];
}
