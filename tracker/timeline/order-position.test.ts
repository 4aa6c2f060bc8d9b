import { loadModelFile, DEFAULT_MODEL_PATH } from '../../events';
import { buildTimeline } from './build-timeline';
import { continueTimeline } from './continue-timeline';
import { compareEvents } from './event-order';
import { formatEventTime, parseEventTime } from './event-time';
import { isAfter, leadTimeAt } from './order-position';
import type { TimelineEvent } from './types';

const model = loadModelFile(DEFAULT_MODEL_PATH);
const at = (text: string) => parseEventTime(`2026-11-26T${text}Z`);
const event = (id: number, state: string, time: string, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
  eventId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
  source: 'shop',
  state,
  occurredAt: at(time),
  seq: 0,
  ...extra,
});

describe("an order's position", () => {
  it('counts its events (repeats of a state included) and its violations, and keeps its last event', () => {
    const { position } = buildTimeline(
      [
        event(1, 'placed', '10:00:00', { attributes: { segment: 'b2b' } }),
        event(2, 'placed', '10:01:00'),
        event(3, 'pricing', '10:02:00', { seq: 4 }),
        event(4, 'fraud_check', '10:03:00', { seq: 9 }),
      ],
      model,
    );
    expect(position).toEqual({
      current: {
        seqNo: 2,
        state: 'fraud_check',
        system: 'shop',
        enteredAt: at('10:03:00'),
        leftAt: null,
        durationSeconds: null,
        enteredEventId: '00000000-0000-4000-8000-000000000004',
      },
      lastEvent: { occurredAt: at('10:03:00'), seq: 9, eventId: '00000000-0000-4000-8000-000000000004' },
      firstEventAt: at('10:00:00'),
      eventCount: 4,
      violationCount: 2,
      segment: 'b2b',
      operatorId: null,
    });
  });

  it('carries counts, first event, segment, operator and stay numbers over when extended', () => {
    const head = continueTimeline(undefined, [event(1, 'placed', '10:00:00', { attributes: { segment: 'b2c', operator_id: 'op-1' } }), event(2, 'shipped', '10:01:00')], model);
    const tail = continueTimeline(head.position, [event(3, 'shipped', '10:02:00', { seq: 3 }), event(4, 'quote_requested', '10:03:00')], model);
    expect(tail.stays.map((s) => [s.seqNo, s.state, s.leftAt, s.durationSeconds])).toEqual([
      [1, 'shipped', at('10:03:00'), 120],
      [2, 'quote_requested', null, null],
    ]);
    expect(tail.violations.map((v) => [v.kind, v.fromState, v.state])).toEqual([['after_terminal', 'shipped', 'quote_requested']]);
    expect(tail.position).toMatchObject({
      firstEventAt: at('10:00:00'),
      eventCount: 4,
      violationCount: 2,
      segment: 'b2c',
      operatorId: 'op-1',
      lastEvent: { occurredAt: at('10:03:00'), seq: 0, eventId: '00000000-0000-4000-8000-000000000004' },
    });
  });

  it('extended by no events stays where it was', () => {
    const head = continueTimeline(undefined, [event(1, 'placed', '10:00:00', { seq: 2 })], model);
    const same = continueTimeline(head.position, [], model);
    expect(same).toEqual({ stays: [head.position.current], violations: [], position: head.position });
  });

  it('takes numbers and booleans of segment and operator as text, and keeps them when a later event sets null', () => {
    const { position } = buildTimeline(
      [event(1, 'placed', '10:00:00', { attributes: { segment: false, operator_id: 7 } }), event(2, 'quote_requested', '10:01:00', { attributes: { segment: null } })],
      model,
    );
    expect([position.segment, position.operatorId]).toEqual(['false', '7']);
  });

  it('has a lead time only in a terminal state', () => {
    const done = buildTimeline([event(1, 'placed', '10:00:00'), event(2, 'cancelled', '10:00:01.5')], model).position;
    expect(leadTimeAt(done, model)).toEqual({ state: 'cancelled', startedAt: at('10:00:00'), finishedAt: at('10:00:01.5'), seconds: 1.5 });
    const open = buildTimeline([event(1, 'placed', '10:00:00')], model).position;
    expect(leadTimeAt(open, model)).toBeUndefined();
  });
});

describe('event-time order', () => {
  const key = (time: string, seq: number, id: string) => ({ occurredAt: at(time), seq, eventId: id });

  it('puts an event after another by time, then seq, then event_id, and never after itself', () => {
    expect(isAfter(key('10:00:01', 0, 'a'), key('10:00:00', 5, 'b'))).toBe(true);
    expect(isAfter(key('10:00:00', 5, 'b'), key('10:00:01', 0, 'a'))).toBe(false);
    expect(isAfter(key('10:00:00', 2, 'a'), key('10:00:00', 1, 'b'))).toBe(true);
    expect(isAfter(key('10:00:00', 1, 'b'), key('10:00:00', 2, 'a'))).toBe(false);
    expect(isAfter(key('10:00:00', 1, 'b'), key('10:00:00', 1, 'a'))).toBe(true);
    expect(isAfter(key('10:00:00', 1, 'a'), key('10:00:00', 1, 'b'))).toBe(false);
    expect(isAfter(key('10:00:00', 1, 'a'), key('10:00:00', 1, 'a'))).toBe(false);
  });

  it('compares equal keys as equal, and unequal ones with the sign of their order', () => {
    expect(compareEvents(key('10:00:00', 1, 'a'), key('10:00:00', 1, 'a'))).toBe(0);
    expect(compareEvents(key('10:00:00', 1, 'a'), key('10:00:00', 1, 'b'))).toBe(-1);
    expect(compareEvents(key('10:00:00', 1, 'b'), key('10:00:00', 1, 'a'))).toBe(1);
  });
});

describe('event time', () => {
  it('formats microseconds below 100 with leading zeros', () => {
    expect(formatEventTime(at('10:00:00') + 1_000 + 7)).toBe('2026-11-26T10:00:00.001007Z');
    expect(formatEventTime(at('10:00:00') + 42)).toBe('2026-11-26T10:00:00.000042Z');
  });

  it('names the text it cannot read', () => {
    expect(() => parseEventTime('yesterday')).toThrow('"yesterday" is not an RFC 3339 timestamp with an offset, e.g. 2026-11-26T10:15:00.123456+01:00');
  });
});
