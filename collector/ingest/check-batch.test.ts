import { heartbeatEvent } from '../../events';
import { checkBatch } from './check-batch';

const NOW = Date.UTC(2035, 1, 2, 3, 4, 5);

describe('checking a posted batch', () => {
  it('refuses a heartbeat posted from outside, even for a token allowed every source, and keeps the events beside it', () => {
    const beat = heartbeatEvent('orderscope.heartbeat:0', NOW);
    const order = { ...heartbeatEvent('A-1', NOW), source: 'shop', state: 'placed' };
    const verdict = checkBatch([beat, order], () => true, new Date(NOW));
    expect(verdict.valid).toEqual([order]);
    expect(verdict.rejected).toEqual([
      {
        index: 0,
        event_id: beat.event_id,
        error: 'order_id: "orderscope.heartbeat:…" with source "orderscope" and state "heartbeat" is reserved for the collector\'s own heartbeats; use another order id or source',
        reason: 'invalid_order_id',
      },
    ]);
    expect(verdict.forbidden).toEqual([]);
  });

  it('takes the backfill mark only from a token that may send history, and keeps the events beside it', () => {
    const order = { ...heartbeatEvent('A-1', NOW), source: 'shop', state: 'placed' };
    const marked = { ...order, event_id: '5b1f0e2a-6c44-4d3b-9a21-7e8f9a0b1c2d', order_id: 'A-2', attributes: { 'orderscope.backfill': true } };
    const producer = checkBatch([order, marked], () => true, new Date(NOW));
    expect(producer.valid).toEqual([order]);
    expect(producer.rejected).toEqual([
      {
        index: 1,
        event_id: marked.event_id,
        error:
          'attributes.orderscope.backfill: marks history (judged in event time, never paged), which only a token with the admin scope may send (orderscope import, replay --as-history); live events must not carry it',
        reason: 'invalid_attributes',
      },
    ]);
    expect(checkBatch([order, marked], () => true, new Date(NOW), true).valid).toEqual([order, marked]);
  });
});

/** A valid shop event; each case below breaks one thing of it. */
const event = { schema_version: 1, event_id: '7f1d7a3e-9c55-4c3e-8a55-0b8f4f7f2f11', order_id: 'A-1', source: 'shop', state: 'placed', occurred_at: '2035-02-02T03:00:00Z' };
const shopOnly = (source: string) => source === 'shop';
const rejectedOf = (items: readonly unknown[]) => checkBatch(items, shopOnly, new Date(NOW)).rejected;

describe('checking a batch with the items that crashed the collector in fuzzing', () => {
  it('rejects a null item, a number, a string and an array as "not an object", and accepts the event beside them', () => {
    const verdict = checkBatch([null, 5, 'x', [event], event], shopOnly, new Date(NOW));
    expect(verdict.valid).toEqual([{ ...event, seq: 0, attributes: {} }]);
    // Strict: an item without a usable id has no event_id key at all.
    expect(verdict.rejected).toStrictEqual(
      [0, 1, 2, 3].map((index) => ({ index, error: 'event: must be a JSON object', reason: 'not_an_object' })),
    );
    expect(verdict.forbidden).toEqual([]);
  });

  it('rejects "attributes": null and nested attribute values, echoing the event_id', () => {
    expect(rejectedOf([{ ...event, attributes: null }, { ...event, attributes: { segment: 'b2b', lines: [1] } }])).toEqual([
      { index: 0, event_id: event.event_id, error: 'attributes: must be an object of name -> value', reason: 'invalid_attributes' },
      { index: 1, event_id: event.event_id, error: 'attributes.lines: must be a string, number, boolean or null', reason: 'invalid_attributes' },
    ]);
  });

  it('rejects null seq and trace_id, and an object without a prototype', () => {
    expect(rejectedOf([{ ...event, seq: null }, { ...event, trace_id: null }, Object.create(null)])).toEqual([
      { index: 0, event_id: event.event_id, error: 'seq: must be a number', reason: 'invalid_seq' },
      { index: 1, event_id: event.event_id, error: 'trace_id: must be a string', reason: 'invalid_trace_id' },
      {
        index: 2,
        error: 'schema_version: is required; event_id: is required; order_id: is required; source: is required; state: is required; (and 1 more)',
        reason: 'invalid_schema_version',
      },
    ]);
  });

  it('sets apart a valid event of a source the token may not emit', () => {
    const verdict = checkBatch([event, { ...event, source: 'crm' }], shopOnly, new Date(NOW));
    expect(verdict.forbidden).toEqual([{ index: 1, source: 'crm' }]);
    expect(verdict.valid).toHaveLength(1);
  });
});

describe('what a rejection echoes back', () => {
  it('cuts an error after 500 characters, and keeps one of exactly 500', () => {
    // 'unknown field "' + name + '"' is 16 characters around the name.
    const [exact, over] = rejectedOf([{ ...event, ['k'.repeat(484)]: 1 }, { ...event, ['k'.repeat(485)]: 1 }]);
    expect(exact!.error).toBe(`unknown field "${'k'.repeat(484)}"`);
    expect(exact!.error).toHaveLength(500);
    expect(over!.error).toBe(`unknown field "${'k'.repeat(485)}...`);
  });

  it("echoes an invalid item's own event_id only when it is a string of 1 to 64 characters", () => {
    const ids = rejectedOf([
      { event_id: 'x'.repeat(64) },
      { event_id: 'x'.repeat(65) },
      { event_id: '' },
      { event_id: 7 },
      Object.create({ event_id: 'inherited' }),
    ]).map((r) => r.event_id);
    expect(ids).toEqual(['x'.repeat(64), undefined, undefined, undefined, undefined]);
  });
});
