import type { ProcessModel } from '../../events';
import { compareEvents } from './event-order';
import { secondsBetween, type Micros } from './event-time';
import type { EventKey, OrderPosition, OrderStatus } from './types';

/** An order's status as its events alone give it: done while it is in a terminal state of the model, else open. */
export function statusAt(position: OrderPosition, model: ProcessModel): Extract<OrderStatus, 'open' | 'done'> {
  return model.isTerminal(position.current.state) ? 'done' : 'open';
}

/** A finished order's lead time: from its first event to its entering the terminal state it is in. */
export interface LeadTime {
  readonly state: string;
  readonly startedAt: Micros;
  readonly finishedAt: Micros;
  readonly seconds: number;
}

export function leadTimeAt(position: OrderPosition, model: ProcessModel): LeadTime | undefined {
  if (!model.isTerminal(position.current.state)) return undefined;
  const { firstEventAt, current } = position;
  return { state: current.state, startedAt: firstEventAt, finishedAt: current.enteredAt, seconds: secondsBetween(firstEventAt, current.enteredAt) };
}

/** Whether `event` comes after `key` in event-time order. */
export function isAfter(event: EventKey, key: EventKey): boolean {
  return compareEvents(event, key) > 0;
}
