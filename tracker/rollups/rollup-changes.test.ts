import type { OrderPosition, Stay } from '../timeline';
import { rollupChanges } from './rollup-changes';

const s = (seconds: number) => seconds * 1e6;
const stay = (state: string, enteredAt: number, leftAt: number | null, seqNo = 0): Stay => ({
  seqNo,
  state,
  system: 'shop',
  enteredAt: s(enteredAt),
  leftAt: leftAt === null ? null : s(leftAt),
  durationSeconds: leftAt === null ? null : leftAt - enteredAt,
  enteredEventId: `e-${state}-${enteredAt}`,
});
const position = (current: Stay, firstEventAt: number, segment: string | null, operatorId: string | null = null): OrderPosition => ({
  current,
  lastEvent: { occurredAt: current.enteredAt, seq: 0, eventId: current.enteredEventId },
  firstEventAt: s(firstEventAt),
  eventCount: 1,
  violationCount: 0,
  segment,
  operatorId,
});

describe('what a batch changes in the report rollups', () => {
  it('adds the stays a new order closed under its attributes, and its position, with nothing to move', () => {
    const changes = rollupChanges(
      [{ orderId: 'o1', stayChanges: [{ stay: stay('placed', 0, 60), retracted: false }], position: position(stay('quoted', 60, null, 1), 0, 'b2b', 'op-1') }],
      new Map(),
    );
    expect(changes).toEqual({
      stays: [{ state: 'placed', leftAt: s(60), seconds: 60, segment: 'b2b', operatorId: 'op-1', count: 1 }],
      moves: [],
      orders: [{ state: 'quoted', since: s(60), sinceFirstEvent: s(60), segment: 'b2b', count: 1 }],
    });
  });

  it('counts new stays under the attributes the stored ones have, and moves all of them when the attributes change', () => {
    const before = position(stay('quoted', 60, null, 1), 0, 'b2b');
    const after = position(stay('assigned', 90, null, 2), 0, 'b2b', 'op-7');
    const changes = rollupChanges([{ orderId: 'o1', stayChanges: [{ stay: stay('quoted', 60, 90, 1), retracted: false }], position: after }], new Map([['o1', { position: before }]]));
    expect(changes.stays).toEqual([{ state: 'quoted', leftAt: s(90), seconds: 30, segment: 'b2b', operatorId: null, count: 1 }]);
    expect(changes.moves).toEqual([{ orderId: 'o1', from: { segment: 'b2b', operatorId: null }, to: { segment: 'b2b', operatorId: 'op-7' } }]);
  });

  it('retracts the stays a late event rewrote, and moves the position it changed', () => {
    const before = position(stay('pricing', 600, null, 1), 0, 'b2c');
    const after = position(stay('pricing', 600, null, 2), -30, 'b2c');
    const changes = rollupChanges(
      [
        {
          orderId: 'o1',
          stayChanges: [
            { stay: stay('placed', -30, 180), retracted: false },
            { stay: stay('quote_requested', 180, 600, 1), retracted: false },
            { stay: stay('placed', 0, 600), retracted: true },
          ],
          position: after,
        },
      ],
      new Map([['o1', { position: before }]]),
    );
    expect(changes.stays.map((c) => [c.state, c.seconds, c.count])).toEqual([
      ['placed', 210, 1],
      ['quote_requested', 420, 1],
      ['placed', 600, -1],
    ]);
    expect(changes.orders).toEqual([
      { state: 'pricing', since: s(600), sinceFirstEvent: s(600), segment: 'b2c', count: -1 },
      { state: 'pricing', since: s(600), sinceFirstEvent: s(630), segment: 'b2c', count: 1 },
    ]);
  });

  it('leaves the order rollups alone when the position stays where it was (an event of the same state)', () => {
    const same = position(stay('pricing', 600, null, 1), 0, 'b2c');
    expect(rollupChanges([{ orderId: 'o1', stayChanges: [], position: { ...same, eventCount: 2 } }], new Map([['o1', { position: same }]]))).toEqual({ stays: [], moves: [], orders: [] });
  });

  it('moves the stays when only the segment changes, as when only the operator does', () => {
    const before = position(stay('quoted', 60, null, 1), 0, null, 'op-7');
    const after = position(stay('quoted', 60, null, 1), 0, 'b2b', 'op-7');
    expect(rollupChanges([{ orderId: 'o1', stayChanges: [], position: after }], new Map([['o1', { position: before }]])).moves).toEqual([
      { orderId: 'o1', from: { segment: null, operatorId: 'op-7' }, to: { segment: 'b2b', operatorId: 'op-7' } },
    ]);
  });

  // Each part of an order's row in the rollups, changed alone, makes it another row: the old one is
  // retracted and the new one added.
  it.each([
    ['state', position(stay('assigned', 60, null, 1), 0, 'b2b')],
    ['since', position(stay('quoted', 90, null, 1), 30, 'b2b')],
    ['time since the first event', position(stay('quoted', 60, null, 1), -30, 'b2b')],
    ['segment', position(stay('quoted', 60, null, 1), 0, 'b2c')],
  ])('retracts and adds the order row when its %s changes', (_part, after) => {
    const before = position(stay('quoted', 60, null, 1), 0, 'b2b');
    const { orders } = rollupChanges([{ orderId: 'o1', stayChanges: [], position: after }], new Map([['o1', { position: before }]]));
    expect(orders).toEqual([
      { state: 'quoted', since: s(60), sinceFirstEvent: s(60), segment: 'b2b', count: -1 },
      { state: after.current.state, since: after.current.enteredAt, sinceFirstEvent: after.current.enteredAt - after.firstEventAt, segment: after.segment, count: 1 },
    ]);
  });
});
