import { trace, TraceFlags } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../common';
import { validateOrderEvent, type OrderEventInput } from '../../../events';
import { createAgentMetrics, ThrottledWarning } from '../../shared';
import { sampledTraceIds } from '../trace-context';
import { createTrackOrder } from '../track-order';
import { valueOf } from '../../shared/test/support/scripted-transport';

function setup(accept = true) {
  const queued: OrderEventInput[] = [];
  const metrics = createAgentMetrics(new Registry());
  const now = new Date('2026-11-26T10:15:00.000Z');
  const trackOrder = createTrackOrder({
    source: 'shop',
    sender: { enqueue: (e) => (queued.push(e), accept) },
    metrics,
    warnings: new ThrottledWarning(silentLogger()),
    now: () => now,
  });
  return { trackOrder, queued, metrics };
}

describe('trackOrder', () => {
  it('queues a valid order event with a fresh event_id, the source, the time and a growing seq, and returns its event_id', () => {
    const { trackOrder, queued } = setup();
    const first = trackOrder('SO-2026-000123', 'placed', { segment: 'b2b', amount: 1250 });
    const second = trackOrder('SO-2026-000123', 'quote_requested');
    expect(queued).toEqual([
      { schema_version: 1, event_id: first, order_id: 'SO-2026-000123', source: 'shop', state: 'placed', occurred_at: '2026-11-26T10:15:00.000Z', seq: 0, attributes: { segment: 'b2b', amount: 1250 } },
      { schema_version: 1, event_id: second, order_id: 'SO-2026-000123', source: 'shop', state: 'quote_requested', occurred_at: '2026-11-26T10:15:00.000Z', seq: 1, attributes: {} },
    ]);
    expect(first).not.toBe(second);
    for (const event of queued) expect(validateOrderEvent(event, new Date('2026-11-26T10:15:00.000Z')).ok).toBe(true);
  });

  it('takes the event id and the time from the caller when given: an event tracked again after a crash counts once', () => {
    const { trackOrder, queued } = setup();
    const eventId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const occurredAt = new Date('2026-11-26T09:00:00.250Z');
    expect(trackOrder('SO-7', 'confirmed', undefined, { eventId, occurredAt })).toBe(eventId);
    expect(trackOrder('SO-7', 'confirmed', undefined, { eventId, occurredAt })).toBe(eventId);
    expect(queued.map((e) => [e.event_id, e.occurred_at, e.state])).toEqual([
      [eventId, '2026-11-26T09:00:00.250Z', 'confirmed'],
      [eventId, '2026-11-26T09:00:00.250Z', 'confirmed'],
    ]);
  });

  it('drops an event whose given id is no UUID, or whose given time is invalid or in the future, and counts it', async () => {
    const { trackOrder, queued, metrics } = setup();
    expect(trackOrder('SO-8', 'placed', undefined, { eventId: 'order-8-placed' })).toBeUndefined();
    expect(trackOrder('SO-8', 'placed', undefined, { occurredAt: new Date(Number.NaN) })).toBeUndefined();
    expect(trackOrder('SO-8', 'placed', undefined, { occurredAt: new Date('2026-11-26T11:15:00.000Z') })).toBeUndefined();
    expect(queued).toEqual([]);
    expect(await valueOf(metrics.dropped)).toBe(3);
  });

  it('queues a copy: changing the attributes object afterwards changes nothing', () => {
    const { trackOrder, queued } = setup();
    const attributes: Record<string, string> = { segment: 'b2b' };
    trackOrder('SO-1', 'placed', attributes);
    attributes.segment = 'b2c';
    expect(queued[0]!.attributes).toEqual({ segment: 'b2b' });
  });

  it.each([
    ['an order id with spaces', 'SO 1', 'placed', undefined],
    ['an empty order id', '', 'placed', undefined],
    // A label or alias is a state too (the tracker maps it by the model); text on two lines is none.
    ['a state on two lines', 'SO-1', 'Placed\nagain', undefined],
    ['too many attributes', 'SO-1', 'placed', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, i]))],
    ['an object as attribute value', 'SO-1', 'placed', { nested: { a: 1 } }],
    ['a number as order id', 42, 'placed', undefined],
    // An own "__proto__" key, as JSON.parse makes it: zod's records would skip it without a word.
    ['an attribute named __proto__', 'SO-1', 'placed', JSON.parse('{"segment": "b2b", "__proto__": "x"}') as Record<string, string>],
    ['an attribute value of more than 1 KiB', 'SO-1', 'placed', { note: 'x'.repeat(1025) }],
  ])('never throws on %s: the call is counted as an invalid drop and nothing is queued', async (_what, orderId, state, attributes) => {
    const { trackOrder, queued, metrics } = setup();
    expect(trackOrder(orderId as string, state, attributes as Record<string, number>)).toBeUndefined();
    expect(queued).toEqual([]);
    expect(await valueOf(metrics.dropped, { reason: 'invalid' })).toBe(1);
    expect(await valueOf(metrics.eventsTracked)).toBe(1);
  });

  it('checks a state it took before as strictly as a new one: the same call with an invalid order id is still dropped', async () => {
    const { trackOrder, queued, metrics } = setup();
    expect(trackOrder('SO-1', 'placed', { segment: 'b2b' })).toBeDefined();
    expect(trackOrder('SO 2', 'placed', { segment: 'b2b' })).toBeUndefined();
    expect(trackOrder('SO-3', 'placed\n', { segment: 'b2b' })).toBeUndefined();
    expect(queued.map((e) => e.order_id)).toEqual(['SO-1']);
    expect(await valueOf(metrics.dropped, { reason: 'invalid' })).toBe(2);
  });

  it('returns undefined when the sender could not queue the event', () => {
    const { trackOrder } = setup(false);
    expect(trackOrder('SO-1', 'placed')).toBeUndefined();
  });
});

describe('the trace ids of an order event', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('are the span ids when the span is sampled', () => {
    expect(sampledTraceIds(trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }))).toEqual({ trace_id: traceId, span_id: spanId });
  });

  it('are left out for an unsampled span, whose trace a backend never receives, and for no span', () => {
    expect(sampledTraceIds(trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE }))).toBeUndefined();
    expect(sampledTraceIds(undefined)).toBeUndefined();
  });
});
