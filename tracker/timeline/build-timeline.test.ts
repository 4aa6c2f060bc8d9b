import fc from 'fast-check';
import { loadModelFile, DEFAULT_MODEL_PATH } from '../../events';
import { buildTimeline, inEventTimeOrder } from './build-timeline';
import { continueTimeline } from './continue-timeline';
import { parseEventTime } from './event-time';
import type { TimelineEvent } from './types';

const model = loadModelFile(DEFAULT_MODEL_PATH);

let counter = 0;
function event(state: string, occurredAt: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  counter += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    source: model.state(state)?.system ?? 'shop',
    state,
    occurredAt: parseEventTime(occurredAt),
    seq: 0,
    ...extra,
  };
}

const summary = (events: readonly TimelineEvent[]) =>
  buildTimeline(events, model).stays.map((s) => [s.state, s.durationSeconds] as const);

describe('buildTimeline', () => {
  it('gives each state its exact time, the last stay open', () => {
    const timeline = buildTimeline(
      [
        event('placed', '2026-11-26T10:00:00Z'),
        event('quote_requested', '2026-11-26T10:01:30Z'),
        event('pricing', '2026-11-26T10:04:00.5Z'),
      ],
      model,
    );
    expect(timeline.stays.map((s) => [s.state, s.system, s.durationSeconds])).toEqual([
      ['placed', 'shop', 90],
      ['quote_requested', 'shop', 150.5],
      ['pricing', 'mes', null],
    ]);
    expect(timeline.stays[2]!.leftAt).toBeNull();
    expect(timeline.currentState).toBe('pricing');
    expect(timeline.stateSince).toBe(parseEventTime('2026-11-26T10:04:00.5Z'));
    expect(timeline.status).toBe('open');
    expect(timeline.leadTimeSeconds).toBeNull();
    expect(timeline.violations).toEqual([]);
  });

  it('when a late event arrives between two others, the earlier stay is split', () => {
    const placed = event('placed', '2026-11-26T10:00:00Z');
    const pricing = event('pricing', '2026-11-26T10:10:00Z');
    const lateQuote = event('quote_requested', '2026-11-26T10:03:00Z');

    const before = buildTimeline([placed, pricing], model);
    expect(before.stays.map((s) => [s.state, s.durationSeconds])).toEqual([['placed', 600], ['pricing', null]]);
    expect(before.violations.map((v) => v.kind)).toEqual(['disallowed_transition']);

    const after = buildTimeline([placed, pricing, lateQuote], model);
    expect(after.stays.map((s) => [s.state, s.durationSeconds])).toEqual([['placed', 180], ['quote_requested', 420], ['pricing', null]]);
    expect(after.violations).toEqual([]);
  });

  it('counts the same event twice once', () => {
    const placed = event('placed', '2026-11-26T10:00:00Z');
    const quote = event('quote_requested', '2026-11-26T10:02:00Z');
    const once = buildTimeline([placed, quote], model);
    const twice = buildTimeline([quote, placed, quote, placed], model);
    expect(twice).toEqual(once);
    expect(twice.events).toHaveLength(2);
  });

  it('continues the stay when the same state is reported again', () => {
    expect(
      summary([
        event('placed', '2026-11-26T10:00:00Z'),
        event('quote_requested', '2026-11-26T10:01:00Z'),
        event('quote_requested', '2026-11-26T10:02:00Z'),
        event('pricing', '2026-11-26T10:05:00Z'),
      ]),
    ).toEqual([['placed', 60], ['quote_requested', 240], ['pricing', null]]);
  });

  it('measures across a daylight-saving change in real seconds', () => {
    // 02:00 local does not exist on 2026-03-29 in central Europe: 01:30+01:00 and 03:30+02:00 are one hour apart.
    expect(
      summary([event('placed', '2026-03-29T01:30:00+01:00'), event('quote_requested', '2026-03-29T03:30:00+02:00')]),
    ).toEqual([['placed', 3600], ['quote_requested', null]]);
    // ... and in autumn 02:30+02:00 then 02:10+01:00 are forty minutes apart, in that order.
    expect(
      summary([event('quote_requested', '2026-10-25T02:10:00+01:00'), event('placed', '2026-10-25T02:30:00+02:00')]),
    ).toEqual([['placed', 2400], ['quote_requested', null]]);
  });

  it('keeps microseconds: events one microsecond apart are ordered and measured exactly', () => {
    expect(summary([event('quote_requested', '2026-11-26T10:00:00.000001Z'), event('placed', '2026-11-26T10:00:00Z')])).toEqual([
      ['placed', 0.000001],
      ['quote_requested', null],
    ]);
  });

  it('orders events with the same timestamp by seq, then by event_id', () => {
    const at = '2026-11-26T10:00:00Z';
    expect(summary([event('quote_requested', at, { seq: 2 }), event('placed', at, { seq: 1 })]).map(([s]) => s)).toEqual(['placed', 'quote_requested']);
    expect(
      summary([
        event('quote_requested', at, { eventId: 'bbbbbbbb-0000-4000-8000-000000000000' }),
        event('placed', at, { eventId: 'aaaaaaaa-0000-4000-8000-000000000000' }),
      ]).map(([s]) => s),
    ).toEqual(['placed', 'quote_requested']);
  });

  it('flags a state the model does not know and still gives it its stay, owned by the source', () => {
    const timeline = buildTimeline(
      [
        event('placed', '2026-11-26T10:00:00Z'),
        event('fraud_check', '2026-11-26T10:01:00Z', { source: 'crm' }),
        event('quote_requested', '2026-11-26T10:04:00Z'),
      ],
      model,
    );
    expect(timeline.stays.map((s) => [s.state, s.system, s.durationSeconds])).toEqual([
      ['placed', 'shop', 60],
      ['fraud_check', 'crm', 180],
      ['quote_requested', 'shop', null],
    ]);
    expect(timeline.violations.map((v) => [v.kind, v.state, v.fromState])).toEqual([['unknown_state', 'fraud_check', 'placed']]);
    expect(timeline.violations[0]!.message).toContain('"fraud_check" is not a state of the process model');
  });

  it('flags a transition the model does not allow, naming the allowed ones', () => {
    const timeline = buildTimeline([event('placed', '2026-11-26T10:00:00Z'), event('shipped', '2026-11-26T11:00:00Z')], model);
    expect(timeline.violations).toHaveLength(1);
    expect(timeline.violations[0]).toMatchObject({ kind: 'disallowed_transition', state: 'shipped', fromState: 'placed' });
    expect(timeline.violations[0]!.message).toBe('"placed" -> "shipped" is not an allowed transition (from "placed" the model allows: quote_requested, cancelled)');
    expect(timeline.status).toBe('done');
  });

  it('flags events after a terminal state and reopens the order; the terminal state repeated is no violation', () => {
    const placed = event('placed', '2026-11-26T10:00:00Z');
    const cancelled = event('cancelled', '2026-11-26T10:30:00Z');
    const cancelledAgain = event('cancelled', '2026-11-26T10:31:00Z');
    const done = buildTimeline([placed, cancelled, cancelledAgain], model);
    expect(done.violations).toEqual([]);
    expect(done.status).toBe('done');
    expect(done.finishedAt).toBe(parseEventTime('2026-11-26T10:30:00Z'));
    expect(done.leadTimeSeconds).toBe(1800);

    const reopened = buildTimeline([placed, cancelled, event('quote_requested', '2026-11-26T11:00:00Z')], model);
    expect(reopened.violations.map((v) => [v.kind, v.fromState, v.state])).toEqual([['after_terminal', 'cancelled', 'quote_requested']]);
    expect(reopened.status).toBe('open');
    expect(reopened.leadTimeSeconds).toBeNull();
    expect(reopened.stays.map((s) => [s.state, s.durationSeconds])).toEqual([['placed', 1800], ['cancelled', 1800], ['quote_requested', null]]);
  });

  it('measures the lead time from the first event to the terminal state', () => {
    const states = ['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped'];
    const events = states.map((s, i) => event(s, new Date(Date.UTC(2026, 10, 26, 10, i * 7)).toISOString()));
    const timeline = buildTimeline(events, model);
    expect(timeline.status).toBe('done');
    expect(timeline.leadTimeSeconds).toBe(8 * 7 * 60);
    expect(timeline.stays.slice(0, -1).every((s) => s.durationSeconds === 420)).toBe(true);
  });

  it('takes segment and operator from the latest event in event time that sets them, whatever the arrival order', () => {
    const events = [
      event('assigned', '2026-11-26T12:00:00Z', { attributes: { operator_id: 'op-7' } }),
      event('placed', '2026-11-26T10:00:00Z', { attributes: { segment: 'b2b', operator_id: 'op-1' } }),
      event('quoted', '2026-11-26T11:00:00Z', { attributes: { segment: null, operator_id: 42 } }),
    ];
    const timeline = buildTimeline(events, model);
    expect([timeline.segment, timeline.operatorId]).toEqual(['b2b', 'op-7']);
  });

  it('refuses an order without events', () => {
    expect(() => buildTimeline([], model)).toThrow('at least one event');
  });

  describe('any arrival order and any duplicates give the same timeline', () => {
    const states = [...model.states.map((s) => s.name), 'not_in_model'];
    const arbitraryEvents = fc
      .array(
        fc.record({
          state: fc.constantFrom(...states),
          // A narrow range of times so that ties (same occurred_at, then same seq) happen often.
          second: fc.integer({ min: 0, max: 20 }),
          seq: fc.integer({ min: 0, max: 2 }),
        }),
        { minLength: 1, maxLength: 30 },
      )
      .map((raw) =>
        raw.map((r, i): TimelineEvent => ({
          eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          source: 'shop',
          state: r.state,
          occurredAt: Date.UTC(2026, 10, 26, 10, 0, r.second) * 1000,
          seq: r.seq,
        })),
      );

    it('is invariant under shuffling and duplication', () => {
      fc.assert(
        fc.property(arbitraryEvents, fc.array(fc.nat()), fc.array(fc.nat()), (events, shuffleKeys, duplicates) => {
          const reference = buildTimeline(events, model);
          const copies = [...events, ...duplicates.map((d) => events[d % events.length]!)];
          const keyed = copies.map((e, i) => ({ e, key: shuffleKeys[i] ?? i }));
          keyed.sort((a, b) => a.key - b.key);
          expect(buildTimeline(keyed.map((k) => k.e), model)).toEqual(reference);
        }),
        { numRuns: 300 },
      );
    });

    it('extending an order from its position after any prefix of its events gives the full timeline', () => {
      fc.assert(
        fc.property(arbitraryEvents, fc.nat(), (events, cut) => {
          const ordered = inEventTimeOrder(events);
          const split = 1 + (cut % ordered.length);
          const head = continueTimeline(undefined, ordered.slice(0, split), model);
          const tail = continueTimeline(head.position, ordered.slice(split), model);
          const full = buildTimeline(events, model);
          expect(tail.position).toEqual(full.position);
          // The head's stays up to its open one, then the tail's (which starts with that stay, maybe closed).
          expect([...head.stays.slice(0, -1), ...tail.stays]).toEqual(full.stays);
          expect([...head.violations, ...tail.violations]).toEqual(full.violations);
        }),
        { numRuns: 300 },
      );
    });

    it('lays stays end to end from the first event to the current state', () => {
      fc.assert(
        fc.property(arbitraryEvents, (events) => {
          const { stays, firstEventAt, stateSince } = buildTimeline(events, model);
          expect(stays[0]!.enteredAt).toBe(firstEventAt);
          for (let i = 0; i + 1 < stays.length; i++) {
            expect(stays[i]!.leftAt).toBe(stays[i + 1]!.enteredAt);
            expect(stays[i]!.state).not.toBe(stays[i + 1]!.state);
          }
          const total = stays.reduce((sum, s) => sum + (s.durationSeconds ?? 0), 0);
          expect(total * 1e6).toBeCloseTo(stateSince - firstEventAt, 3);
        }),
      );
    });
  });
});
