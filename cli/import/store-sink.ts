import { validateOrderEvent, type IngestResult, type OrderEvent, type ProcessModel } from '../../events';
import { applyBatch, type Db } from '../../tracker';
import type { EventSink } from '../send-batches';

/** The tracker-instance name that imports straight into the store add their histogram totals under. */
export const IMPORT_OBSERVER = 'import';

/**
 * A sink that applies events straight to the store, as the tracker does with a batch from the bus
 * (one transaction, duplicates ignored, timelines rebuilt for late events): for a backfill without a
 * collector and a bus in between. Each event is checked against the contract first, as the collector
 * would; an invalid one is rejected by itself and the others are applied.
 */
export function storeSink(db: Db, model: ProcessModel, now: () => number = Date.now): EventSink {
  return {
    async post(events) {
      const valid: OrderEvent[] = [];
      const rejected: IngestResult['rejected'] = [];
      const at = new Date(now());
      events.forEach((input, index) => {
        const result = validateOrderEvent(input, at);
        if (result.ok) valid.push(result.event);
        else rejected.push({ index, error: result.error });
      });
      if (valid.length > 0) await applyBatch(db, model, valid, IMPORT_OBSERVER, now);
      return { accepted: valid.length, rejected };
    },
  };
}
