import type { OrderEvent, ProcessModel } from '../../events';

/**
 * The event with its state written as the model names it. Producers may send a state's name, its
 * label or one of its aliases (events/order-event.ts); the collector holds no model, so the tracker,
 * which has it, maps the text here before the event is stored: the store, the timelines, the metrics
 * and the reports only ever see names. Text that means no state of the model is kept as sent, and
 * the timeline flags it unknown_state.
 */
export function withStateName(event: OrderEvent, model: ProcessModel): OrderEvent {
  const name = model.stateFor(event.state)?.name;
  return name === undefined || name === event.state ? event : { ...event, state: name };
}
