import type { Micros, OrderPosition, StayChange } from '../timeline';

/** The attributes of an order that its rollup rows are keyed by, as on its orders row. */
export interface RollupAttributes {
  readonly segment: string | null;
  readonly operatorId: string | null;
}

/** One closed stay added to (count 1) or taken out of (count -1) the stay rollups. */
export interface StayRollupChange extends RollupAttributes {
  readonly state: string;
  readonly leftAt: Micros;
  readonly seconds: number;
  readonly count: 1 | -1;
}

/**
 * An order whose segment or operator changed: its closed stays as stored at the end of the batch move
 * from `from` to `to` (read in SQL: an order extended by new events has none of its stays in memory).
 */
export interface AttributeMove {
  readonly orderId: string;
  readonly from: RollupAttributes;
  readonly to: RollupAttributes;
}

/** An order's position added to (count 1) or taken out of (count -1) the order rollups. */
export interface OrderRollupChange {
  readonly state: string;
  readonly since: Micros;
  /** Time since its first event, in microseconds: its lead time once the state is terminal. */
  readonly sinceFirstEvent: Micros;
  readonly segment: string | null;
  readonly count: 1 | -1;
}

export interface RollupChanges {
  readonly stays: readonly StayRollupChange[];
  readonly moves: readonly AttributeMove[];
  readonly orders: readonly OrderRollupChange[];
}

/** What a batch did to one order, as its plan says (tracker/apply/plan-order.ts). */
export interface RolledOrder {
  readonly orderId: string;
  /** The closed stays the batch added to the store and took out of it. */
  readonly stayChanges: readonly StayChange[];
  /** Its position as the batch writes it. */
  readonly position: OrderPosition;
}

/**
 * What a batch changes in the report rollups (migration 008), from what its plans already carry, so
 * that the rollups keep equal to what the stays and orders tables hold:
 *
 * - stay rollups hold each closed stay under its order's segment and operator as on the orders row.
 *   The batch's added and retracted stays count under the attributes the order had before it (the
 *   ones its stored stays are counted under); when the batch changed them, an {@link AttributeMove}
 *   then moves all the order's stays, as stored after the batch, from the old attributes to the new.
 *   Sum: every stay stored after the batch under the new attributes, none left under the old ones.
 *   An order seen for the first time has no stored stays: its new stays count under its attributes
 *   at once, with nothing to move.
 * - order rollups hold each order once, at its position (state, since when, time since its first
 *   event, segment): a position that changed is retracted and the new one added.
 *
 * @param stored the orders' positions before the batch; absent for orders seen for the first time
 */
export function rollupChanges(orders: readonly RolledOrder[], stored: ReadonlyMap<string, { readonly position: OrderPosition }>): RollupChanges {
  const stays: StayRollupChange[] = [];
  const moves: AttributeMove[] = [];
  const positions: OrderRollupChange[] = [];
  for (const { orderId, stayChanges, position } of orders) {
    const before = stored.get(orderId)?.position;
    const to = attributesOf(position);
    const from = before ? attributesOf(before) : to;
    for (const { stay, retracted } of stayChanges) {
      stays.push({ state: stay.state, leftAt: stay.leftAt!, seconds: stay.durationSeconds!, ...from, count: retracted ? -1 : 1 });
    }
    if (from.segment !== to.segment || from.operatorId !== to.operatorId) moves.push({ orderId, from, to });

    const now = positionRow(position);
    const was = before && positionRow(before);
    if (was && sameRow(was, now)) continue;
    if (was) positions.push({ ...was, count: -1 });
    positions.push({ ...now, count: 1 });
  }
  return { stays, moves, orders: positions };
}

function attributesOf(position: OrderPosition): RollupAttributes {
  return { segment: position.segment, operatorId: position.operatorId };
}

function positionRow(position: OrderPosition): Omit<OrderRollupChange, 'count'> {
  const { current, firstEventAt, segment } = position;
  return { state: current.state, since: current.enteredAt, sinceFirstEvent: current.enteredAt - firstEventAt, segment };
}

function sameRow(a: Omit<OrderRollupChange, 'count'>, b: Omit<OrderRollupChange, 'count'>): boolean {
  return a.state === b.state && a.since === b.since && a.sinceFirstEvent === b.sinceFirstEvent && a.segment === b.segment;
}
