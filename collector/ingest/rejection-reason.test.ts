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

/** The reason of what validateOrderEvent says about `input`: the real problems, not copies of them. */
const reasonOf = (input: unknown) => {
  const result = validateOrderEvent(input, now);
  if (result.ok) throw new Error('expected an invalid event');
  return rejectionReason(result.problem);
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

  it('falls back to invalid_event for a field it does not know, inherited names included', () => {
    expect(rejectionReason({ field: 'something_else', kind: 'invalid' })).toBe('invalid_event');
    for (const field of ['__proto__', 'constructor', 'toString']) expect(rejectionReason({ field, kind: 'invalid' })).toBe('invalid_event');
  });

  it('only ever returns a declared reason', () => {
    const problems = [{ kind: 'invalid' }, { field: '', kind: 'invalid' }, { field: 'seq', kind: 'future' }, { field: 'attributes', kind: 'unknown_field' }] as const;
    for (const problem of problems) expect(REJECTION_REASONS).toContain(rejectionReason(problem));
  });
});

describe('the reason is the first problem\'s', () => {
  it.each([
    // Two broken fields: the first the contract checks decides; the future rule runs only on a valid event.
    [{ ...valid, seq: -1, occurred_at: '2027-01-01T00:00:00Z' }, 'invalid_seq'],
    [{ ...valid, attributes: { note: { nested: true } } }, 'invalid_attributes'],
    [{ ...valid, state: 'a\nb', extra: 1 }, 'invalid_state'],
  ])('%j -> %s', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });
});
