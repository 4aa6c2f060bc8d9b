import { loadModel, type OrderEvent } from '../../../events';
import { orderEvent, startEmbedded, type EmbeddedTracker } from '../../test/fixtures';
import { buildLatencyReport, parsePeriod, reportStates, type LatencyReport } from '..';
import { NOW_MS, WEEK } from './week';

/**
 * An approval process that names its roles: orders are confirmed in `approved` (so an operator's time
 * to confirm is the time in `reviewing`, the CRM state before it) and complete in `delivered`. Its
 * main path ends in `rejected` (listed before `delivered`), so without the completion role the report
 * would call the rejected orders completed.
 */
const APPROVAL = loadModel(
  `name: approval
states:
  - { name: received, system: shop, expect_within: 1h }
  - { name: reviewing, system: crm, expect_within: 2h }
  - { name: approved, system: crm, expect_within: 1h }
  - { name: rejected, system: crm, terminal: true }
  - { name: delivered, system: mes, terminal: true }
transitions:
  - { from: received, to: reviewing }
  - { from: reviewing, to: approved }
  - { from: approved, to: delivered }
  - { from: "*", to: rejected }
roles: { confirmation: approved, completion: delivered }
`,
  'approval.yaml',
);

/** An order's events: each state entered `seconds` of the previous one after the one before. */
function journey(orderId: string, start: string, steps: [string, number][], operator?: string): OrderEvent[] {
  let at = Date.parse(start);
  return steps.map(([state, seconds], i) => {
    const attributes: Record<string, string> = state === 'reviewing' && operator ? { operator_id: operator } : {};
    const event = orderEvent(orderId, state, at, { seq: i, source: APPROVAL.state(state)!.system, attributes });
    at += seconds * 1000;
    return event;
  });
}

const approvedAfter = (reviewSeconds: number): [string, number][] => [
  ['received', 600],
  ['reviewing', reviewSeconds],
  ['approved', 600],
  ['delivered', 0],
];

describe('a report on a model whose confirmation and completion states have other names', () => {
  it('reads the report states from the roles', () => {
    expect(reportStates(APPROVAL)).toEqual({ terminal: ['rejected', 'delivered'], completed: 'delivered', confirmation: 'reviewing' });
  });

  describe('over a day of orders (PGlite)', () => {
    let t: EmbeddedTracker;
    let report: LatencyReport;

    beforeAll(async () => {
      t = await startEmbedded({ model: APPROVAL, now: () => NOW_MS });
      await t.tracker.apply([
        ...journey('a1', '2026-11-24T08:00:00Z', approvedAfter(3600), 'op-a'),
        ...journey('a2', '2026-11-24T09:00:00Z', approvedAfter(10_800), 'op-b'),
        ...journey('a3', '2026-11-24T10:00:00Z', approvedAfter(1800), 'op-a'),
        ...journey('r1', '2026-11-24T11:00:00Z', [['received', 600], ['rejected', 0]]),
      ]);
      report = await buildLatencyReport(t.db, APPROVAL, parsePeriod(WEEK, NOW_MS * 1000), { now: NOW_MS * 1000, exact: true });
    });

    afterAll(async () => {
      await t?.close();
    });

    it('counts the delivered orders as completed and the rejected one as ended otherwise', () => {
      // Lead times: a3 3000 s, a1 4800 s, a2 12000 s (600 + review + 600); r1 600 s.
      expect(report.leadTime.completedState).toBe('delivered');
      expect(report.summary).toMatchObject({ ordersCompleted: 3, ordersEndedOtherwise: 1, leadTimeP50Seconds: 4800 });
    });

    it('measures each operator\'s time to confirm in reviewing, the state before approved', () => {
      expect(report.operators.confirmationState).toBe('reviewing');
      expect(report.operators.slaSeconds).toBe(7200);
      expect(report.operators.rows).toEqual([
        // op-a: 1800, 3600
        { operatorId: 'op-a', orders: 2, shareOfOrders: 2 / 3, timeToConfirmP50Seconds: 2700, timeToConfirmP90Seconds: expect.closeTo(1800 + 0.9 * 1800, 9), withinSlaShare: 1 },
        // op-b: 10800, over the 2h SLA
        { operatorId: 'op-b', orders: 1, shareOfOrders: 1 / 3, timeToConfirmP50Seconds: 10_800, timeToConfirmP90Seconds: 10_800, withinSlaShare: 0 },
      ]);
    });
  });
});
