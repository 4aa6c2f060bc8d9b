import { assignOrders, type OperatorLoad, type PendingOrder } from './assignment';

const operator = (id: string, weight: number, rest: Partial<OperatorLoad> = {}): OperatorLoad => ({ id, weight, capacity: 100, open: 0, assignedInWindow: 0, ...rest });
const orders = (n: number, segment: PendingOrder['segment'] = 'b2c', from = 0): PendingOrder[] =>
  Array.from({ length: n }, (_, i) => ({ orderId: `SO-${String(from + i).padStart(3, '0')}`, segment, receivedAt: 1000 + from + i }));
const countBy = (assignments: readonly { operatorId: string }[]) =>
  assignments.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.operatorId]: (acc[a.operatorId] ?? 0) + 1 }), {});

describe('fair assignment of priced orders to operators', () => {
  it('shares orders in proportion to the operators\' weights', () => {
    const { assignments, waiting } = assignOrders(orders(8), [operator('ana', 2), operator('ben', 1), operator('cem', 1)], { b2bFirst: true });
    expect(waiting).toEqual([]);
    expect(assignments.map((a) => a.operatorId)).toEqual(['ana', 'ben', 'cem', 'ana', 'ana', 'ben', 'cem', 'ana']);
    expect(countBy(assignments)).toEqual({ ana: 4, ben: 2, cem: 2 });
  });

  it('does not hand everything to an operator who confirms fast: the window\'s share counts, not only open orders', () => {
    const fast = operator('fast', 1, { open: 0, assignedInWindow: 12 });
    const slow = operator('slow', 1, { open: 3, assignedInWindow: 3 });
    const { assignments } = assignOrders(orders(4), [fast, slow], { b2bFirst: true });
    expect(countBy(assignments)).toEqual({ slow: 4 });
  });

  it('skips an operator at capacity instead of waiting for them', () => {
    const busy = operator('busy', 5, { open: 2, capacity: 2 });
    const { assignments } = assignOrders(orders(3), [busy, operator('free', 1, { assignedInWindow: 40 })], { b2bFirst: true });
    expect(countBy(assignments)).toEqual({ free: 3 });
  });

  it('breaks ties by the load now, then the larger weight, then the id', () => {
    expect(assignOrders(orders(1), [operator('b', 1, { open: 1 }), operator('a', 1, { open: 2 })], { b2bFirst: true }).assignments).toEqual([{ orderId: 'SO-000', operatorId: 'b' }]);
    expect(assignOrders(orders(1), [operator('b', 1), operator('c', 1)], { b2bFirst: true }).assignments).toEqual([{ orderId: 'SO-000', operatorId: 'b' }]);
  });

  it('assigns B2B orders first when capacity is short, oldest first within a segment; B2C orders wait', () => {
    const pending = [...orders(2, 'b2c', 0), ...orders(2, 'b2b', 10)];
    const result = assignOrders(pending, [operator('ana', 1, { capacity: 3 })], { b2bFirst: true });
    expect(result.assignments.map((a) => a.orderId)).toEqual(['SO-010', 'SO-011', 'SO-000']);
    expect(result.waiting).toEqual(['SO-001']);
  });

  it('takes orders strictly oldest first when the B2B-first toggle is off', () => {
    const pending = [...orders(2, 'b2b', 10), ...orders(2, 'b2c', 0)];
    const result = assignOrders(pending, [operator('ana', 1, { capacity: 3 })], { b2bFirst: false });
    expect(result.assignments.map((a) => a.orderId)).toEqual(['SO-000', 'SO-001', 'SO-010']);
    expect(result.waiting).toEqual(['SO-011']);
  });

  it('leaves every order waiting when no operator can take one (none, weight 0 or no capacity)', () => {
    expect(assignOrders(orders(2), [], { b2bFirst: true })).toEqual({ assignments: [], waiting: ['SO-000', 'SO-001'] });
    expect(assignOrders(orders(1), [operator('off', 0), operator('full', 1, { capacity: 0 })], { b2bFirst: true }).waiting).toEqual(['SO-000']);
  });

  it('does not change the loads it was given', () => {
    const ana = operator('ana', 1);
    assignOrders(orders(3), [ana], { b2bFirst: true });
    expect(ana).toEqual(operator('ana', 1));
  });
});
