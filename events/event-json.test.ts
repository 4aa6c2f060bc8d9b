import fc from 'fast-check';
import { orderEventJson } from './event-json';
import { checkEventShape, LIMITS, type OrderEvent } from './order-event';
import { validEvent } from './test/arbitraries';

const stringified = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** An event as the contract check makes it. */
function checked(input: unknown): OrderEvent {
  const result = checkEventShape(input);
  if ('error' in result) throw new Error(result.error);
  return result.event;
}

const EVENT: OrderEvent = checked({
  schema_version: 1,
  event_id: '0b7e4a9c-5f1e-4c2a-9d3b-7a6e5f4c3b2a',
  order_id: 'SO-1001',
  source: 'shop',
  state: 'placed',
  occurred_at: '2026-11-26T10:15:00.123Z',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  attributes: { segment: 'b2b', amount: 120.5, priority: true, note: null, count: -0 },
});

describe('an event written as JSON', () => {
  it('is the bytes of JSON.stringify for every event the contract accepts, and for the input it was made from', () => {
    // Every view is checked again at the end: later events, written across slab boundaries, must not
    // have overwritten an earlier one.
    const written: [Buffer, Buffer][] = [];
    fc.assert(
      fc.property(validEvent, (input) => {
        for (const event of [checked(input), input as OrderEvent]) {
          const bytes = orderEventJson(event);
          expect(bytes.toString('utf8')).toBe(JSON.stringify(event));
          written.push([bytes, stringified(event)]);
        }
      }),
      { numRuns: 3000 },
    );
    expect(written.filter(([bytes, expected]) => !bytes.equals(expected))).toEqual([]);
    expect(written.reduce((n, [bytes]) => n + bytes.length, 0)).toBeGreaterThan(3 * 256 * 1024);
  });

  it('writes the common event, numbers as JSON writes them (-0 as 0), and DEL as it is', () => {
    expect(orderEventJson(EVENT).toString()).toBe(JSON.stringify(EVENT));
    const withDel = { ...EVENT, state: 'placed\u007f' };
    expect(orderEventJson(withDel).equals(stringified(withDel))).toBe(true);
  });

  it('hands escapes, non-ASCII text and anything unusual to JSON.stringify, and keeps the events around it whole', () => {
    const before = orderEventJson(EVENT);
    const unusual: OrderEvent[] = [
      { ...EVENT, state: 'say "placed"' },
      { ...EVENT, state: 'C:\\orders' },
      { ...EVENT, attributes: { customer: 'Müller' } },
      { ...EVENT, attributes: { line: 'a\tb' } },
      { ...EVENT, attributes: { emoji: '👍' } },
      { ...EVENT, attributes: { big: 1e21, small: 5e-324 } },
      { ...EVENT, attributes: { ratio: Number.NaN, limit: Number.POSITIVE_INFINITY } },
      { ...EVENT, attributes: { first: '\u0080' } },
      { ...EVENT, attributes: { unit: 'a\u001fb' } },
      { ...EVENT, span_id: undefined },
      Object.assign(Object.create({ inherited: 1 }) as OrderEvent, EVENT),
    ];
    for (const event of unusual) expect(orderEventJson(event).toString()).toBe(JSON.stringify(event));
    expect([before.toString(), orderEventJson(EVENT).toString()]).toEqual([JSON.stringify(EVENT), JSON.stringify(EVENT)]);
  });

  it('writes the largest events the contract accepts, one after another, whole and into its slab', () => {
    const attributes = Object.fromEntries(Array.from({ length: LIMITS.maxAttributes }, (_, i) => [`a${i}`, 'x'.repeat(LIMITS.attributeValueMaxBytes)]));
    const events = Array.from({ length: 12 }, () => checked({ ...EVENT, attributes }));
    const written = events.map(orderEventJson);
    expect(written.every((bytes, i) => bytes.equals(stringified(events[i])))).toBe(true);
    // A view of the 256 KiB slab, not a Buffer of its own: written here, not by JSON.stringify.
    expect(written.map((bytes) => bytes.buffer.byteLength)).toEqual(written.map(() => 256 * 1024));
  });

  it('leaves an event larger than the room it is given to JSON.stringify, whole', () => {
    for (const size of [39 * 1024, 41 * 1024, 300 * 1024]) {
      const event = { ...EVENT, attributes: { note: 'x'.repeat(size) } };
      expect(orderEventJson(event).equals(stringified(event))).toBe(true);
    }
    expect(orderEventJson(EVENT).equals(stringified(EVENT))).toBe(true);
  });
});
