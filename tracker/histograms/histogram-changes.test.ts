import { loadModelFile, DEFAULT_MODEL_PATH } from '../../events';
import { closedStayChanges, type LeadTime, type Stay } from '../timeline';
import { histogramChanges as fromChanges } from './histogram-changes';

const model = loadModelFile(DEFAULT_MODEL_PATH);
/** The histogram changes of stored stays `before` replaced by `after`, as a plan computes them. */
const histogramChanges = (before: readonly Stay[], after: readonly Stay[], leadBefore: LeadTime | undefined, leadAfter: LeadTime | undefined, m: typeof model) =>
  fromChanges(closedStayChanges(before, after), leadBefore, leadAfter, m);
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
/** A new observation; `closedBy` is the event of the next stay, which ended this one (the exemplar's trace). */
const observed = (state: string, seconds: number, closedBy?: string) => ({ histogram: 'state_duration', state, seconds, retracted: false, ...(closedBy !== undefined && { closedByEventId: closedBy }) });
const retracted = (state: string, seconds: number) => ({ histogram: 'state_duration', state, seconds, retracted: true });
const lead = (state: string, startedAt: number, finishedAt: number): LeadTime => ({ state, startedAt: s(startedAt), finishedAt: s(finishedAt), seconds: finishedAt - startedAt });

describe('histogram changes of a timeline change', () => {
  it('observes each stay that closes, once, and nothing for the open one', () => {
    expect(histogramChanges([stay('placed', 0, null)], [stay('placed', 0, 60), stay('quote_requested', 60, null, 1)], undefined, undefined, model)).toStrictEqual({
      changes: [observed('placed', 60, 'e-quote_requested-60')],
      unobservableStays: 0,
    });
  });

  it('observes nothing when the same stays come again, whatever their seq_no', () => {
    const stays = [stay('placed', 0, 60), stay('quote_requested', 60, 90, 1), stay('pricing', 90, null, 2)];
    const renumbered = stays.map((x) => ({ ...x, seqNo: x.seqNo + 5 }));
    expect(histogramChanges(stays, renumbered, lead('shipped', 0, 90), lead('shipped', 0, 90), model)).toStrictEqual({ changes: [], unobservableStays: 0 });
  });

  it('retracts a stay a late event split and observes its parts', () => {
    const before = [stay('placed', 0, 600), stay('pricing', 600, null, 1)];
    const after = [stay('placed', 0, 180), stay('quote_requested', 180, 600, 1), stay('pricing', 600, null, 2)];
    expect(histogramChanges(before, after, undefined, undefined, model)).toStrictEqual({
      changes: [observed('placed', 180, 'e-quote_requested-180'), observed('quote_requested', 420, 'e-pricing-600'), retracted('placed', 600)],
      unobservableStays: 0,
    });
  });

  it('counts identical stays one by one: a second copy is observed, a missing copy retracted', () => {
    const one = stay('placed', 0, 60);
    expect(histogramChanges([one], [one, one], undefined, undefined, model).changes).toStrictEqual([observed('placed', 60)]);
    expect(histogramChanges([one, one, one], [one], undefined, undefined, model).changes).toStrictEqual([retracted('placed', 60), retracted('placed', 60)]);
  });

  it('counts a closed stay of a state the model does not know as unobservable, and never retracts one', () => {
    expect(histogramChanges([], [stay('fraud_check', 0, 30), stay('placed', 30, null, 1)], undefined, undefined, model)).toStrictEqual({ changes: [], unobservableStays: 1 });
    expect(histogramChanges([stay('fraud_check', 0, 30)], [], undefined, undefined, model)).toStrictEqual({ changes: [], unobservableStays: 0 });
  });

  it('moves the lead time when the order finishes, changes its start, or is reopened', () => {
    const leadOf = (before: LeadTime | undefined, after: LeadTime | undefined) => histogramChanges([], [], before, after, model).changes;
    expect(leadOf(undefined, lead('shipped', 0, 90))).toStrictEqual([{ histogram: 'lead_time', state: 'shipped', seconds: 90, retracted: false }]);
    expect(leadOf(lead('shipped', 0, 90), lead('shipped', -10, 90))).toStrictEqual([
      { histogram: 'lead_time', state: 'shipped', seconds: 90, retracted: true },
      { histogram: 'lead_time', state: 'shipped', seconds: 100, retracted: false },
    ]);
    expect(leadOf(lead('cancelled', 0, 90), undefined)).toStrictEqual([{ histogram: 'lead_time', state: 'cancelled', seconds: 90, retracted: true }]);
    expect(leadOf(lead('cancelled', 0, 90), lead('shipped', 0, 90))).toHaveLength(2);
    expect(leadOf(lead('shipped', 0, 90), lead('shipped', 0, 95))).toHaveLength(2);
  });
});
