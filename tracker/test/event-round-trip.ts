import fc from 'fast-check';
import { occurredAtMicros, validateOrderEvent, type OrderEvent } from '../../events';
import { validBatch } from '../../events/test/arbitraries';
import { insertEvents, micros, type Sql } from '../store';

/*
 * "Every event the contract accepts is stored and read back identically", run against a store (PGlite in
 * the unit suite, PostgreSQL in the integration suite). Identically means, column by column:
 * - the strings (order_id, source, state, trace_id, span_id, attribute names and string values) are the
 *   same UTF-16 strings, astral characters and all;
 * - event_id is the same UUID (PostgreSQL writes it in lower case, as RFC 4122 says to);
 * - occurred_at is the same instant to the microsecond, the store's resolution: the microseconds the
 *   tracker reads (store/sql-time `micros`) equal `occurredAtMicros` of the text sent, digits beyond the
 *   microsecond rounded the same way on both sides (the offset is applied, not kept: timestamptz);
 * - seq is the same number, and attributes the same JSON value (jsonb keeps no key order, and JSON has
 *   one zero: -0 travels as 0 on the bus already).
 */

/** The clock the contract is checked against: after every instant of the range, so none is "in the future". */
const VALIDATION_CLOCK = new Date('2200-01-01T00:00:00Z');

/** A stored event as the test reads it back: every column the tracker writes from the event. */
interface StoredRow {
  event_id: string;
  order_id: string;
  source: string;
  state: string;
  occurred_at: number;
  seq: string;
  trace_id: string | null;
  span_id: string | null;
  attributes: unknown;
}

async function readBack(sql: Sql, eventIds: readonly string[]): Promise<Map<string, StoredRow>> {
  const rows = await sql.query<StoredRow>(
    `SELECT event_id::text AS event_id, order_id, source, state, ${micros('occurred_at')} AS occurred_at, seq::text AS seq,
            trace_id, span_id, attributes
     FROM events WHERE event_id = ANY($1::uuid[])`,
    [eventIds],
  );
  return new Map(rows.map((r) => [r.event_id, r]));
}

/** What reading `event` back must give. */
function expectedRow(event: OrderEvent): StoredRow {
  return {
    event_id: event.event_id.toLowerCase(),
    order_id: event.order_id,
    source: event.source,
    state: event.state,
    occurred_at: occurredAtMicros(event.occurred_at),
    seq: String(event.seq),
    trace_id: event.trace_id ?? null,
    span_id: event.span_id ?? null,
    attributes: JSON.parse(JSON.stringify(event.attributes)),
  };
}

/**
 * Runs the round-trip property against `sql` (a migrated tracker schema): `runs` batches of
 * `batchSize` generated events, each validated, inserted with the tracker's own insertEvents and read
 * back. Clears the events table before each batch, so that shrinking can replay a batch.
 */
export async function checkRoundTrip(sql: Sql, options: { runs: number; batchSize: number; seed?: number }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(validBatch(options.batchSize), async (inputs) => {
      const events = inputs.map((input) => {
        const result = validateOrderEvent(input, VALIDATION_CLOCK);
        if (!result.ok) throw new Error(`the contract refused a generated event: ${result.error}\n${JSON.stringify(input)}`);
        return result.event;
      });
      await sql.query('DELETE FROM events');
      const inserted = await insertEvents(sql, events);
      // What the insert returns is what the tracker folds into the timeline: the same instants.
      const byId = (a: [string, ...unknown[]], b: [string, ...unknown[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      expect(inserted.map((e): [string, string, number] => [e.eventId, e.orderId, e.occurredAt]).sort(byId)).toEqual(
        events.map((e): [string, string, number] => [e.event_id.toLowerCase(), e.order_id, occurredAtMicros(e.occurred_at)]).sort(byId),
      );
      const rows = await readBack(sql, events.map((e) => e.event_id));
      expect(events.map((e) => rows.get(e.event_id.toLowerCase()))).toEqual(events.map(expectedRow));
    }),
    { numRuns: options.runs, ...(options.seed !== undefined && { seed: options.seed }) },
  );
}
