import { loadModel, ProcessModel, type Handoff, type StateDef } from '../../events';
import { decideAt, deadlinesOf, nextDeadline, settleAfterEvents, statusesThrough, type HistoricChange, type StatusReason } from './status-rules';
import type { OrderStatus } from '../timeline';

const model = loadModel(`name: rules
states:
  - { name: placed, system: shop, expect_within: 2m, lost_after: 15m }
  - { name: quote_requested, system: shop, expect_within: 5m, lost_after: 30m }
  - { name: pricing, system: mes, expect_within: 15m, lost_after: 2h }
  - { name: quoted, system: mes, expect_within: 1h, lost_after: 1h }
  - { name: shipped, system: crm, terminal: true }
transitions:
  - { from: placed, to: quote_requested }
  - { from: quote_requested, to: pricing }
  - { from: pricing, to: quoted }
  - { from: quoted, to: shipped }
  - { from: placed, to: pricing }
handoffs:
  - { from: quote_requested, to: pricing, within: 10m, via: RabbitMQ queue mes.pricing }
  - { from: placed, to: pricing, within: 2m }
  - { from: quoted, to: shipped, within: 1h }
`);

/** Microseconds of the wall clock: T plus some seconds. */
const T = Date.UTC(2026, 10, 26, 10, 0, 0) * 1000;
const at = (seconds: number) => T + seconds * 1e6;
const pricingHandoff = model.handoffsFrom('quote_requested')[0]!;

describe('the deadlines of a state', () => {
  it('are expect_within (stuck), each handoff window and lost_after (lost), from the moment the order entered the state', () => {
    expect(deadlinesOf('quote_requested', T, model)).toEqual([
      { at: at(300), status: 'stuck', reason: 'expect_within', handoff: null },
      { at: at(600), status: 'lost', reason: 'handoff_missed', handoff: pricingHandoff },
      { at: at(1800), status: 'lost', reason: 'lost_after', handoff: null },
    ]);
  });

  it('put a missed handoff before lost_after, and after expect_within, when they fall at the same instant', () => {
    expect(deadlinesOf('placed', T, model).map((d) => [d.at, d.reason])).toEqual([
      [at(120), 'expect_within'],
      [at(120), 'handoff_missed'],
      [at(900), 'lost_after'],
    ]);
    expect(deadlinesOf('quoted', T, model).map((d) => [d.at, d.reason])).toEqual([
      [at(3600), 'expect_within'],
      [at(3600), 'handoff_missed'],
      [at(3600), 'lost_after'],
    ]);
  });

  it('are none for a terminal state or a state the model does not know', () => {
    expect(deadlinesOf('shipped', T, model)).toEqual([]);
    expect(deadlinesOf('fraud_check', T, model)).toEqual([]);
  });
});

describe('the next deadline of an order', () => {
  it('is the first limit that would move it further than its status', () => {
    expect(nextDeadline({ status: 'open', state: 'quote_requested', stateSince: T }, model)?.at).toBe(at(300));
    expect(nextDeadline({ status: 'recovered', state: 'quote_requested', stateSince: T }, model)?.at).toBe(at(300));
    expect(nextDeadline({ status: 'stuck', state: 'quote_requested', stateSince: T }, model)).toMatchObject({ at: at(600), reason: 'handoff_missed' });
  });

  it('is none once lost or done, and in a state without limits', () => {
    expect(nextDeadline({ status: 'lost', state: 'quote_requested', stateSince: T }, model)).toBeUndefined();
    expect(nextDeadline({ status: 'done', state: 'shipped', stateSince: T }, model)).toBeUndefined();
    expect(nextDeadline({ status: 'open', state: 'fraud_check', stateSince: T }, model)).toBeUndefined();
  });
});

describe('the sweeper decision at a wall-clock time', () => {
  const open = { status: 'open', state: 'quote_requested', stateSince: T } as const;

  it('leaves an order within its SLA open, due again at expect_within', () => {
    expect(decideAt(open, model, at(299.999999))).toEqual({ passed: undefined, status: 'open', nextDeadlineAt: at(300) });
  });

  it('makes it stuck at expect_within, due again at the handoff window', () => {
    expect(decideAt(open, model, at(300))).toEqual({
      passed: { at: at(300), status: 'stuck', reason: 'expect_within', handoff: null },
      status: 'stuck',
      nextDeadlineAt: at(600),
    });
  });

  it('makes a stuck order lost when the handoff window passes, naming the handoff, with nothing left to wait for', () => {
    expect(decideAt({ ...open, status: 'stuck' }, model, at(600))).toEqual({
      passed: { at: at(600), status: 'lost', reason: 'handoff_missed', handoff: pricingHandoff },
      status: 'lost',
      nextDeadlineAt: null,
    });
  });

  it('makes an order without a handoff lost at lost_after', () => {
    const pricing = { status: 'stuck', state: 'pricing', stateSince: T } as const;
    expect(decideAt(pricing, model, at(7199))).toMatchObject({ passed: undefined, status: 'stuck', nextDeadlineAt: at(7200) });
    expect(decideAt(pricing, model, at(7200))).toMatchObject({ passed: { reason: 'lost_after', at: at(7200) }, status: 'lost', nextDeadlineAt: null });
  });

  it('makes an order past every limit (a backfill, or a tracker that was down) lost at once, for the reason that came first', () => {
    expect(decideAt(open, model, at(86_400))).toMatchObject({ passed: { reason: 'handoff_missed', at: at(600) }, status: 'lost', nextDeadlineAt: null });
  });

  it('goes straight to lost when a handoff window ends with the SLA', () => {
    expect(decideAt({ status: 'open', state: 'placed', stateSince: T }, model, at(120))).toMatchObject({ passed: { reason: 'handoff_missed' }, status: 'lost' });
  });

  it('never moves a lost or done order, nor one in a state the model does not know', () => {
    expect(decideAt({ ...open, status: 'lost' }, model, at(86_400))).toEqual({ passed: undefined, status: 'lost', nextDeadlineAt: null });
    expect(decideAt({ status: 'done', state: 'shipped', stateSince: T }, model, at(86_400))).toEqual({ passed: undefined, status: 'done', nextDeadlineAt: null });
    expect(decideAt({ status: 'open', state: 'fraud_check', stateSince: T }, model, at(86_400))).toEqual({ passed: undefined, status: 'open', nextDeadlineAt: null });
  });
});

describe('the status after new events', () => {
  it('is open for a new order, due at its first SLA; done in a terminal state', () => {
    expect(settleAfterEvents(undefined, { state: 'placed', stateSince: T }, model)).toEqual({ status: 'open', recoveredFrom: undefined, nextDeadlineAt: at(120) });
    expect(settleAfterEvents(undefined, { state: 'shipped', stateSince: T }, model)).toEqual({ status: 'done', recoveredFrom: undefined, nextDeadlineAt: null });
  });

  it('is recovered when a stuck or lost order moves on, with the deadlines of its new state', () => {
    expect(settleAfterEvents({ status: 'lost', state: 'quote_requested', stateSince: T }, { state: 'pricing', stateSince: at(900) }, model)).toEqual({
      status: 'recovered',
      recoveredFrom: 'lost',
      nextDeadlineAt: at(900 + 900),
    });
    expect(settleAfterEvents({ status: 'stuck', state: 'pricing', stateSince: T }, { state: 'shipped', stateSince: at(60) }, model)).toEqual({
      status: 'done',
      recoveredFrom: 'stuck',
      nextDeadlineAt: null,
    });
  });

  it('stands when the events do not move the order on (a repeat, or a late event before its stay)', () => {
    expect(settleAfterEvents({ status: 'lost', state: 'quote_requested', stateSince: T }, { state: 'quote_requested', stateSince: T }, model)).toEqual({
      status: 'lost',
      recoveredFrom: undefined,
      nextDeadlineAt: null,
    });
    // A late event made the stay start earlier: still stuck, and lost sooner.
    expect(settleAfterEvents({ status: 'stuck', state: 'quote_requested', stateSince: T }, { state: 'quote_requested', stateSince: at(-60) }, model)).toEqual({
      status: 'stuck',
      recoveredFrom: undefined,
      nextDeadlineAt: at(540),
    });
  });

  it('is recovered when a stuck order enters another state at the same instant (a later seq)', () => {
    expect(settleAfterEvents({ status: 'stuck', state: 'pricing', stateSince: T }, { state: 'quoted', stateSince: T }, model)).toEqual({
      status: 'recovered',
      recoveredFrom: 'stuck',
      nextDeadlineAt: at(3600),
    });
  });

  it('stays recovered as the order moves on normally, and is open again when an event follows a terminal state', () => {
    expect(settleAfterEvents({ status: 'recovered', state: 'pricing', stateSince: T }, { state: 'quoted', stateSince: at(60) }, model)).toMatchObject({ status: 'recovered' });
    expect(settleAfterEvents({ status: 'done', state: 'shipped', stateSince: T }, { state: 'pricing', stateSince: at(60) }, model)).toEqual({
      status: 'open',
      recoveredFrom: undefined,
      nextDeadlineAt: at(60 + 900),
    });
  });
});

/*
 * A second model shape, built in code: a model file may leave out either limit (but keeps
 * lost_after at least expect_within), and the rules take any ProcessModel, so they are also held to
 * states with one limit only, a handoff shorter than the SLA, and lost_after before a handoff. Here the
 * limits no longer arrive in the order deadlinesOf collects them.
 */
const limits = (name: string, system: string, expectWithinSeconds?: number, lostAfterSeconds?: number): StateDef => ({
  name,
  label: name,
  aliases: [],
  system,
  description: '',
  terminal: false,
  expectWithinSeconds,
  lostAfterSeconds,
});
const handoff = (from: string, fromSystem: string, withinSeconds: number): Handoff => ({ from, to: 'pricing', fromSystem, toSystem: 'mes', withinSeconds, via: '' });
const shapes = new ProcessModel(
  'shapes',
  [
    limits('lost_only', 'shop', undefined, 600),
    limits('sla_only', 'shop', 300, undefined),
    limits('handoff_only', 'shop'),
    limits('slow_sla', 'crm', 3600, 7200),
    limits('lost_early', 'crm', 60, 300),
    limits('pricing', 'mes', 900, 1800),
    { ...limits('shipped', 'mes'), terminal: true },
  ],
  new Map(['lost_only', 'sla_only', 'handoff_only', 'slow_sla', 'lost_early'].map((s) => [s, new Set(['pricing'])])),
  [handoff('handoff_only', 'shop', 120), handoff('slow_sla', 'crm', 600), handoff('lost_early', 'crm', 900)],
  [],
);
const stuck = (reason: 'expect_within', seconds: number) => ({ at: at(seconds), status: 'stuck', reason, handoff: null });
const lostAfter = (seconds: number) => ({ at: at(seconds), status: 'lost', reason: 'lost_after', handoff: null });
const missed = (from: string, seconds: number) => ({ at: at(seconds), status: 'lost', reason: 'handoff_missed', handoff: shapes.handoffsFrom(from)[0] });

describe('the rules with states of one limit, a handoff shorter than the SLA, lost_after before a handoff', () => {
  it('give a state only the limits it has', () => {
    expect(deadlinesOf('lost_only', T, shapes)).toEqual([lostAfter(600)]);
    expect(deadlinesOf('sla_only', T, shapes)).toEqual([stuck('expect_within', 300)]);
    expect(deadlinesOf('handoff_only', T, shapes)).toEqual([missed('handoff_only', 120)]);
  });

  it('sort the deadlines by time, whatever order the model lists them in', () => {
    expect(deadlinesOf('slow_sla', T, shapes)).toEqual([missed('slow_sla', 600), stuck('expect_within', 3600), lostAfter(7200)]);
    expect(deadlinesOf('lost_early', T, shapes)).toEqual([stuck('expect_within', 60), lostAfter(300), missed('lost_early', 900)]);
  });

  it('leave an order with only lost_after open until then, and make it lost at lost_after', () => {
    const order = { status: 'open', state: 'lost_only', stateSince: T } as const;
    expect(decideAt(order, shapes, at(599))).toEqual({ passed: undefined, status: 'open', nextDeadlineAt: at(600) });
    expect(decideAt(order, shapes, at(600))).toEqual({ passed: lostAfter(600), status: 'lost', nextDeadlineAt: null });
  });

  it('never make an order with only an SLA lost', () => {
    const order = { status: 'open', state: 'sla_only', stateSince: T } as const;
    expect(decideAt(order, shapes, at(86_400))).toEqual({ passed: stuck('expect_within', 300), status: 'stuck', nextDeadlineAt: null });
  });

  it('make an order lost when a handoff shorter than the SLA is missed, before it was ever stuck', () => {
    const order = { status: 'open', state: 'slow_sla', stateSince: T } as const;
    expect(nextDeadline(order, shapes)).toEqual(missed('slow_sla', 600));
    expect(decideAt(order, shapes, at(599))).toEqual({ passed: undefined, status: 'open', nextDeadlineAt: at(600) });
    expect(decideAt(order, shapes, at(600))).toEqual({ passed: missed('slow_sla', 600), status: 'lost', nextDeadlineAt: null });
  });

  it('make a stuck order lost at lost_after when that comes before the handoff window', () => {
    const order = { status: 'open', state: 'lost_early', stateSince: T } as const;
    expect(decideAt(order, shapes, at(60))).toEqual({ passed: stuck('expect_within', 60), status: 'stuck', nextDeadlineAt: at(300) });
    expect(decideAt({ ...order, status: 'stuck' }, shapes, at(300))).toEqual({ passed: lostAfter(300), status: 'lost', nextDeadlineAt: null });
    expect(decideAt(order, shapes, at(1000))).toEqual({ passed: lostAfter(300), status: 'lost', nextDeadlineAt: null });
  });

  it('due a new order in a state with only a handoff at the handoff window', () => {
    expect(settleAfterEvents(undefined, { state: 'handoff_only', stateSince: T }, shapes)).toEqual({ status: 'open', recoveredFrom: undefined, nextDeadlineAt: at(120) });
  });
});

describe('an order that leaves a state and comes back to it', () => {
  // A new stay in the same state (a later state_since) starts its limits again.
  it.each([
    ['stuck', 1200, 'recovered', 'stuck'],
    ['lost', 1, 'recovered', 'lost'],
    ['open', 1200, 'open', undefined],
  ] as const)('when %s, back %i s later: is %s', (before, seconds, status, recoveredFrom) => {
    const settled = settleAfterEvents({ status: before, state: 'pricing', stateSince: T }, { state: 'pricing', stateSince: at(seconds) }, model);
    expect(settled).toEqual({ status, recoveredFrom, nextDeadlineAt: at(seconds + 900) });
  });
});

describe('history judged in event time', () => {
  const stay = (state: string, entered: number, left: number) => ({ state, enteredAt: at(entered), leftAt: at(left) });
  const flag = (fromStatus: OrderStatus, toStatus: OrderStatus, state: string, reason: StatusReason, seconds: number, handoffTo: string | null = null): HistoricChange => ({
    fromStatus,
    toStatus,
    state,
    reason,
    handoffTo,
    deadlineAt: at(seconds),
    at: at(seconds),
  });
  const movedOn = (fromStatus: OrderStatus, toStatus: OrderStatus, state: string, seconds: number): HistoricChange => ({
    fromStatus,
    toStatus,
    state,
    reason: 'moved_on',
    handoffTo: null,
    deadlineAt: null,
    at: at(seconds),
  });

  it('raises a new order one step per limit passed in each stay, and recovers it when it moves on', () => {
    const left = [stay('placed', 0, 100), stay('quote_requested', 100, 1000), stay('pricing', 1000, 2000)];
    expect(statusesThrough(undefined, left, model)).toEqual({
      changes: [
        flag('open', 'stuck', 'quote_requested', 'expect_within', 400),
        flag('stuck', 'lost', 'quote_requested', 'handoff_missed', 700, 'pricing'),
        movedOn('lost', 'recovered', 'quote_requested', 1000),
        flag('recovered', 'stuck', 'pricing', 'expect_within', 1900),
      ],
      // Still stuck in the last stay it left: its recovery is settleAfterEvents'.
      standing: { status: 'stuck', state: 'pricing', stateSince: at(1000) },
    });
  });

  it('recovers an order that was only stuck, and is recovered in the next stay', () => {
    expect(statusesThrough(undefined, [stay('placed', 0, 60), stay('quote_requested', 60, 400), stay('pricing', 400, 500)], model)).toEqual({
      changes: [flag('open', 'stuck', 'quote_requested', 'expect_within', 360), movedOn('stuck', 'recovered', 'quote_requested', 400)],
      standing: { status: 'recovered', state: 'pricing', stateSince: at(400) },
    });
  });

  it('says done, not recovered, when the next stay is terminal, and passes every limit of one instant in order', () => {
    expect(statusesThrough(undefined, [stay('quoted', 0, 4000), stay('shipped', 4000, 4100)], model).changes).toEqual([
      flag('open', 'stuck', 'quoted', 'expect_within', 3600),
      flag('stuck', 'lost', 'quoted', 'handoff_missed', 3600, 'shipped'),
      movedOn('lost', 'done', 'quoted', 4000),
    ]);
  });

  it('does not count a limit at the instant the order left', () => {
    expect(statusesThrough(undefined, [stay('quote_requested', 0, 300), stay('pricing', 300, 301)], model)).toEqual({
      changes: [],
      standing: { status: 'open', state: 'pricing', stateSince: at(300) },
    });
  });

  it('carries a stored status on in its own stay, and only there', () => {
    const stuckSince = (state: string, seconds: number) => ({ status: 'stuck', state, stateSince: at(seconds) }) as const;
    expect(statusesThrough(stuckSince('quote_requested', 0), [stay('quote_requested', 0, 700)], model)).toEqual({
      changes: [flag('stuck', 'lost', 'quote_requested', 'handoff_missed', 600, 'pricing')],
      standing: { status: 'lost', state: 'quote_requested', stateSince: at(0) },
    });
    // The same state entered again later, or another state: a new stay, recovered from the stored stuck.
    expect(statusesThrough(stuckSince('pricing', 0), [stay('pricing', 100, 200)], model)).toEqual({ changes: [], standing: { status: 'recovered', state: 'pricing', stateSince: at(100) } });
    expect(statusesThrough({ status: 'lost', state: 'placed', stateSince: at(0) }, [stay('pricing', 0, 200)], model)).toEqual({
      changes: [],
      standing: { status: 'recovered', state: 'pricing', stateSince: at(0) },
    });
  });

  it('opens again an order that left its terminal state', () => {
    expect(statusesThrough({ status: 'done', state: 'shipped', stateSince: at(0) }, [stay('shipped', 0, 60)], model)).toEqual({
      changes: [],
      standing: { status: 'open', state: 'shipped', stateSince: at(0) },
    });
  });

  it('changes nothing when the order left no stay', () => {
    const before = { status: 'lost', state: 'pricing', stateSince: at(0) } as const;
    expect(statusesThrough(before, [], model)).toEqual({ changes: [], standing: before });
  });
});
