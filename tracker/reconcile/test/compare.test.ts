import { ValueMap } from '../../../agents/pg-outbox';
import { countByKind, reconcile, type ReconcileInput, type SeenEvent, type SourceRow, type TrackedOrder } from '../compare';

// Every time is derived from this instant; nothing depends on today's date.
const T0 = Date.parse('2031-03-10T12:00:00Z') * 1000;
const MIN = 60_000_000;
const GRACE = 5 * MIN;
const shopMap = ValueMap.parse(['NEW=placed,QUOTE=quote_requested,SHIPPED=shipped'], ['DRAFT']);

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return {
    window: { from: T0, to: T0 + 60 * MIN },
    now: T0 + 90 * MIN,
    graceMicros: GRACE,
    resolve: (source, value) => (source === 'shop' ? shopMap.resolve(value) : { kind: 'state', state: value }),
    undated: new Set(),
    sourceRows: [],
    trackedOrders: [],
    events: [],
    ...over,
  };
}
const row = (orderId: string, value: string, updatedAt: number | null, source = 'shop'): SourceRow => ({ source, orderId, value, updatedAt });
const order = (orderId: string, state: string, stateSince: number, lastEventAt = stateSince, firstEventAt = stateSince): TrackedOrder => ({ orderId, state, stateSince, firstEventAt, lastEventAt });
let n = 0;
const event = (orderId: string, state: string, source: string, occurredAt: number): SeenEvent => ({ orderId, state, source, eventId: `e${++n}`, occurredAt, seq: 0 });

describe('reconcile', () => {
  it('reports an order a source has and the tracker never saw as missing, with what the source holds', () => {
    const found = reconcile(input({ sourceRows: [row('SO-1', 'QUOTE', T0 + 10 * MIN), row('SO-2', 'NEW', T0 + 20 * MIN)], trackedOrders: [order('SO-2', 'placed', T0 + 20 * MIN)] }));
    expect(found).toEqual([{ kind: 'missing', orderId: 'SO-1', state: null, sources: [{ source: 'shop', value: 'QUOTE', state: 'quote_requested' }], since: T0 + 10 * MIN, eventIds: [] }]);
  });

  it('reports an order only the tracker has as an orphan, since its first event', () => {
    const found = reconcile(input({ trackedOrders: [order('SO-9', 'pricing', T0 + 30 * MIN, T0 + 30 * MIN, T0 + 5 * MIN)] }));
    expect(found).toEqual([{ kind: 'orphan', orderId: 'SO-9', state: 'pricing', sources: [], since: T0 + 5 * MIN, eventIds: [] }]);
  });

  it('reports a state that differs as diverged, since the later of the two sides changed', () => {
    const found = reconcile(input({ sourceRows: [row('SO-3', 'SHIPPED', T0 + 40 * MIN)], trackedOrders: [order('SO-3', 'quote_requested', T0 + 10 * MIN)] }));
    expect(found).toEqual([{ kind: 'diverged', orderId: 'SO-3', state: 'quote_requested', sources: [{ source: 'shop', value: 'SHIPPED', state: 'shipped' }], since: T0 + 40 * MIN, eventIds: [] }]);
  });

  it('counts an order as agreeing when any source holding it is in the tracker\'s state', () => {
    const found = reconcile(
      input({ sourceRows: [row('SO-4', 'QUOTE', T0 + 1 * MIN), row('SO-4', 'pricing', T0 + 2 * MIN, 'mes')], trackedOrders: [order('SO-4', 'pricing', T0 + 2 * MIN)] }),
    );
    expect(found).toEqual([]);
  });

  it('reports an unmapped source value as diverged (null state), and leaves ignored values out', () => {
    const found = reconcile(
      input({
        sourceRows: [row('SO-5', 'ON_HOLD', T0 + 1 * MIN), row('SO-6', 'DRAFT', T0 + 1 * MIN), row('SO-7', 'DRAFT', T0 + 1 * MIN)],
        trackedOrders: [order('SO-5', 'placed', T0), order('SO-6', 'placed', T0)],
      }),
    );
    expect(found.map((d) => [d.kind, d.orderId, d.sources])).toEqual([['diverged', 'SO-5', [{ source: 'shop', value: 'ON_HOLD', state: null }]]]);
  });

  describe('the grace period', () => {
    const now = T0 + 90 * MIN;
    const at = (age: number) => now - age;
    it.each([
      ['exactly as old as the grace period: not yet', GRACE, 0],
      ['one microsecond older: reported', GRACE + 1, 1],
    ])('%s', (_what, age, expected) => {
      const found = reconcile(
        input({
          window: { from: T0, to: now + 1 },
          now,
          sourceRows: [row('M', 'NEW', at(age)), row('D', 'SHIPPED', at(age))],
          trackedOrders: [order('D', 'placed', at(2 * GRACE)), order('O', 'placed', at(age), at(age), at(age))],
        }),
      );
      expect(countByKind(found)).toEqual({ missing: expected, orphan: expected, diverged: expected, duplicated: 0 });
    });

    it('a source without an updated-at column reports missing orders at once and diverged ones by the tracker\'s state_since', () => {
      const found = reconcile(
        input({ undated: new Set(['shop']), sourceRows: [row('A', 'NEW', null), row('B', 'SHIPPED', null)], trackedOrders: [order('B', 'placed', T0 + 89 * MIN, T0 + 89 * MIN)] }),
      );
      expect(found.map((d) => [d.kind, d.orderId, d.since])).toEqual([['missing', 'A', null]]);
    });
  });

  describe('windows', () => {
    it('compares only orders whose source row changed or whose last event is in [from, to)', () => {
      const found = reconcile(
        input({
          sourceRows: [row('before', 'NEW', T0 - 1), row('at-from', 'NEW', T0), row('last', 'NEW', T0 + 60 * MIN - 1), row('at-to', 'NEW', T0 + 60 * MIN)],
          trackedOrders: [order('orphan-before', 'placed', T0 - 1), order('orphan-in', 'placed', T0 + 59 * MIN)],
        }),
      );
      expect(found.map((d) => `${d.kind}:${d.orderId}`)).toEqual(['missing:at-from', 'missing:last', 'orphan:orphan-in']);
    });

    it('judges an order in the window by both sides even when only one side changed in it', () => {
      // The source row changed before the window; the tracker's last event is in it.
      const found = reconcile(input({ sourceRows: [row('X', 'SHIPPED', T0 - 10 * MIN)], trackedOrders: [order('X', 'placed', T0 + 5 * MIN)] }));
      expect(found.map((d) => `${d.kind}:${d.orderId}:${d.since}`)).toEqual([`diverged:X:${T0 + 5 * MIN}`]);
    });
  });

  describe('duplicated', () => {
    it('reports one step reported by two sources, with both event ids, and not a state revisited later', () => {
      const a = event('SO-1', 'placed', 'shop', T0 + 1 * MIN);
      const b = event('SO-1', 'placed', 'shop-db', T0 + 1 * MIN + 5);
      const c = event('SO-1', 'quote_requested', 'shop', T0 + 2 * MIN);
      // pricing twice, by mes then by the tap, but a quote in between: two steps, not a duplicate
      const d = event('SO-1', 'pricing', 'mes', T0 + 3 * MIN);
      const e = event('SO-1', 'quoted', 'mes', T0 + 4 * MIN);
      const f = event('SO-1', 'pricing', 'mq-tap', T0 + 5 * MIN);
      const found = reconcile(input({ events: [f, c, b, e, a, d], trackedOrders: [order('SO-1', 'pricing', T0 + 5 * MIN)], sourceRows: [row('SO-1', 'pricing', T0, 'mes')] }));
      expect(found).toEqual([
        { kind: 'duplicated', orderId: 'SO-1', state: 'placed', sources: [{ source: 'shop', value: null, state: 'placed' }, { source: 'shop-db', value: null, state: 'placed' }], since: T0 + 1 * MIN, eventIds: [a.eventId, b.eventId] },
      ]);
    });

    it('does not report a state repeated by one source, nor events outside the window', () => {
      const found = reconcile(
        input({
          events: [
            event('SO-2', 'placed', 'shop', T0 + 1 * MIN),
            event('SO-2', 'placed', 'shop', T0 + 2 * MIN),
            event('SO-3', 'placed', 'shop', T0 - 1),
            event('SO-3', 'placed', 'crm', T0 + 1 * MIN),
          ],
        }),
      );
      expect(found).toEqual([]);
    });
  });

  it('lists kinds in order, each by order id', () => {
    const found = reconcile(
      input({
        sourceRows: [row('b', 'NEW', T0), row('a', 'NEW', T0), row('d', 'SHIPPED', T0)],
        trackedOrders: [order('c', 'placed', T0), order('d', 'placed', T0)],
        events: [event('z', 'placed', 'shop', T0), event('z', 'placed', 'crm', T0 + 1)],
      }),
    );
    expect(found.map((d) => `${d.kind}:${d.orderId}`)).toEqual(['missing:a', 'missing:b', 'orphan:c', 'diverged:d', 'duplicated:z']);
  });
});
