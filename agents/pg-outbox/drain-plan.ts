import { ORDER_EVENT_SCHEMA_VERSION, type IngestResult, type OrderEventInput } from '../../events';
import type { ValueMap } from './value-map';

/** An outbox row as the drain reads it (ids as text: bigint does not fit a JS number in general). */
export interface OutboxRow {
  id: string;
  event_id: string;
  order_id: string;
  state_value: string;
  occurred_at: Date;
  attributes: Record<string, unknown>;
}

/** Why a row went to the dead-letter table, the values of the `reason` label. */
export type DeadLetterReason = 'unmapped' | 'rejected';

export interface DeadLetter {
  id: string;
  reason: DeadLetterReason;
  /** What happened and what to do, stored with the row. */
  detail: string;
}

/** What to send for a batch of claimed rows, and what to do with the rows that are not sent. */
export interface DrainPlan {
  events: OrderEventInput[];
  /** The outbox id of each event, by the event's index. */
  eventRowIds: string[];
  /** Rows whose value is configured as not tracked (--ignore). */
  ignoredRowIds: string[];
  /** Rows whose value the map does not know. */
  unmapped: DeadLetter[];
  /** Distinct unmapped values, for the log. */
  unmappedValues: string[];
}

/**
 * Turns claimed outbox rows into order events. The event_id was generated in SQL when the row was
 * written, so a row sent twice (a sidecar killed between the collector's 202 and its commit) is
 * the same event twice, counted once downstream. The outbox id is the event's seq: it grows with
 * every change of the table, which orders changes within one millisecond.
 */
export function planDrain(rows: readonly OutboxRow[], map: ValueMap, source: string): DrainPlan {
  const plan: DrainPlan = { events: [], eventRowIds: [], ignoredRowIds: [], unmapped: [], unmappedValues: [] };
  for (const row of rows) {
    const mapped = map.resolve(row.state_value);
    if (mapped.kind === 'ignored') {
      plan.ignoredRowIds.push(row.id);
    } else if (mapped.kind === 'unmapped') {
      plan.unmapped.push({ id: row.id, reason: 'unmapped', detail: `unmapped value "${row.state_value}": add it to --map (or to --ignore), then redrive the row` });
      if (!plan.unmappedValues.includes(row.state_value)) plan.unmappedValues.push(row.state_value);
    } else {
      plan.eventRowIds.push(row.id);
      plan.events.push({
        schema_version: ORDER_EVENT_SCHEMA_VERSION,
        event_id: row.event_id,
        order_id: row.order_id,
        source,
        state: mapped.state,
        occurred_at: row.occurred_at.toISOString(),
        seq: Number(row.id),
        attributes: row.attributes as OrderEventInput['attributes'],
      });
    }
  }
  return plan;
}

/** After the collector's 202: the rows to delete, and the rows to move to the dead-letter table. */
export function settleDrain(plan: DrainPlan, result: IngestResult): { deleteIds: string[]; deadLetters: DeadLetter[] } {
  const rejected = new Map(result.rejected.map((r) => [r.index, r.error]));
  const deadLetters: DeadLetter[] = [...plan.unmapped];
  const deleteIds: string[] = [...plan.ignoredRowIds];
  plan.eventRowIds.forEach((id, index) => {
    const error = rejected.get(index);
    if (error === undefined) deleteIds.push(id);
    else deadLetters.push({ id, reason: 'rejected', detail: `rejected by the collector: ${error}` });
  });
  return { deleteIds, deadLetters };
}
