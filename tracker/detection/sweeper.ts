import { periodic } from '../../common/periodic';
import type { ProcessModel } from '../../events';
import { insertStatusChanges, takeDueOrders, writeStatuses, type Db, type DueOrder, type StatusChange } from '../store';
import type { Micros } from '../timeline';
import { decideAt, type SweepDecision } from './status-rules';

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
    for (;;) {
      const batch = await sweepBatch(db, model, at, batchSize);
      batches += 1;
      due += batch.due;
      changes.push(...batch.changes);
      // A full batch may leave more due orders; a row the guard kept (it changed under us) would be
      // taken again and again, so a batch that could not write all it took ends the sweep too.
      if (batch.due < batchSize || batch.written < batch.due) break;
    }
    const result = { at, due, changes, batches, seconds: Number(process.hrtime.bigint() - begin) / 1e9 };
    options.onSweep?.(result);
    return result;
  };

  const loop = periodic({ intervalMs: options.intervalMs, run: sweepAll, onError: (err) => options.onError?.(err) });
  return { start: loop.start, sweep: loop.runNow, close: loop.close };
}

/** One batch in one transaction: take, decide, write (guarded), record. */
async function sweepBatch(db: Db, model: ProcessModel, at: Micros, limit: number): Promise<{ due: number; written: number; changes: StatusChange[] }> {
  return db.transaction(async (tx) => {
    // As in apply: with statistics from when the table was small, the planner would rather scan it
    // than walk the deadline index, a cost that grows with every open order.
    await tx.query('SET LOCAL enable_seqscan = off');
    const due = await takeDueOrders(tx, at, limit);
    if (due.length === 0) return { due: 0, written: 0, changes: [] };
    const decided = due.map((order) => ({ order, decision: decideAt(order, model, at) }));
    const written = await writeStatuses(
      tx,
      decided.map(({ order, decision }) => ({ orderId: order.orderId, seen: order, status: decision.status, nextDeadlineAt: decision.nextDeadlineAt })),
    );
    const changes = decided.flatMap(({ order, decision }) => (written.has(order.orderId) ? statusChangeOf(order, decision, at) : []));
    await insertStatusChanges(tx, changes);
    return { due: due.length, written: written.size, changes };
  });
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
