import { validateOrderEvent } from '../../events';
import { REJECTION_REASONS, rejectionReason } from './rejection-reason';

const valid = {
  schema_version: 1,
  event_id: '7d9f1c52-4a7e-4a39-9a53-3f0d8c2b1e11',
  order_id: 'ord-1',
  source: 'shop',
  state: 'placed',
  occurred_at: '2026-01-01T00:00:00Z',
};
const now = new Date('2026-06-01T00:00:00Z');

/** The reason of what validateOrderEvent says about `input`: the real messages, not copies of them. */
const reasonOf = (input: unknown) => {
  const result = validateOrderEvent(input, now);
  if (result.ok) throw new Error('expected an invalid event');
  return rejectionReason(result.error);
};

describe('rejectionReason', () => {
  it.each([
    [{ ...valid, schema_version: 2 }, 'invalid_schema_version'],
    [{ ...valid, event_id: 'x' }, 'invalid_event_id'],
    [{ ...valid, order_id: undefined }, 'invalid_order_id'],
    [{ ...valid, order_id: 'a b' }, 'invalid_order_id'],
    [{ ...valid, source: 'Shop' }, 'invalid_source'],
    [{ ...valid, state: '' }, 'invalid_state'],
    [{ ...valid, occurred_at: '2026-01-01' }, 'invalid_occurred_at'],
    [{ ...valid, occurred_at: '2027-01-01T00:00:00Z' }, 'future_occurred_at'],
    [{ ...valid, occurred_at: '0000-06-01T00:00:00Z' }, 'invalid_occurred_at'],
    [{ ...valid, occurred_at: '2026-01-01T00:00:00+16:00' }, 'invalid_occurred_at'],
    [{ ...valid, order_id: '..' }, 'invalid_order_id'],
    [{ ...valid, attributes: { note: 'a\u0000b' } }, 'invalid_attributes'],
    [{ ...valid, attributes: { note: '\ud800' } }, 'invalid_attributes'],
    [{ ...valid, attributes: { ['\u0000']: 1 } }, 'invalid_attributes'],
    [{ ...valid, seq: -1 }, 'invalid_seq'],
    [{ ...valid, trace_id: 'abc' }, 'invalid_trace_id'],
    [{ ...valid, span_id: '0000000000000000' }, 'invalid_span_id'],
    [{ ...valid, attributes: { 'bad key': 1 } }, 'invalid_attributes'],
    [{ ...valid, attributes: [] }, 'invalid_attributes'],
    [{ ...valid, extra: 1 }, 'unknown_field'],
    [{ ...valid, extra: 1, more: 2 }, 'unknown_field'],
    [[valid], 'not_an_object'],
    ['text', 'not_an_object'],
    [null, 'not_an_object'],
  ])('%j -> %s', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('falls back to invalid_event for a message it does not know', () => {
    expect(rejectionReason('something else')).toBe('invalid_event');
  });

  it('only ever returns a declared reason', () => {
    for (const message of ['', 'x: y', '__proto__: z', 'attributes.a: b']) expect(REJECTION_REASONS).toContain(rejectionReason(message));
  });
});

describe('the reason of a message is read from its start only', () => {
  it.each([
    ['seq: must be a number; occurred_at: is 400 s in the future', 'invalid_seq'],
    ['attributes.note: unknown field "x"', 'invalid_attributes'],
    ['1source: must be a string', 'invalid_event'],
  ])('%s -> %s', (message, reason) => {
    expect(rejectionReason(message)).toBe(reason);
  });
});
