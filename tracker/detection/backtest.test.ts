import { loadModel } from '../../events';
import { backtest, type HistoricStay } from './backtest';

const MIN = 60e6;
const T0 = Date.UTC(2026, 5, 1) * 1000;
const at = (minutes: number) => T0 + minutes * MIN;

const modelWith = (name: string, checkLimits: string) =>
  loadModel(`name: ${name}
states:
  - { name: check, system: crm, ${checkLimits} }
  - { name: done, system: crm, terminal: true }
transitions:
  - { from: check, to: done }
slos:
  - { state: check, objective: 0.9, within: 30m }
`);

/** Four stays in check: 10, 40 and 90 minutes, and one still there after 200 minutes. */
const STAYS: HistoricStay[] = [
  { orderId: 'a', state: 'check', enteredAt: at(0), leftAt: at(10) },
  { orderId: 'b', state: 'check', enteredAt: at(5), leftAt: at(45) },
  { orderId: 'c', state: 'check', enteredAt: at(100), leftAt: at(190) },
  { orderId: 'd', state: 'check', enteredAt: at(0), leftAt: null },
  { orderId: 'a', state: 'done', enteredAt: at(10), leftAt: null },
];
const WINDOW = { from: T0, to: at(200), lostWindow: 10 * MIN, stuckFor: 15 * MIN };

describe('backtest', () => {
  it('counts the flags, pages, tickets and SLO compliance each model would have had, in event time', () => {
    const current = backtest(modelWith('current', 'expect_within: 30m, lost_after: 1h'), STAYS, WINDOW);
    const proposed = backtest(modelWith('proposed', 'expect_within: 2h, lost_after: 3h'), STAYS, WINDOW);
    expect(current.states).toEqual([
      // b stuck at 35; c stuck at 130, lost at 160; d stuck at 30, lost at 60: losses 100 minutes apart page twice.
      // Stuck runs: d 30-60 with b 35-45, then c 130-160: two tickets of 15 minutes or more.
      { state: 'check', stuck: 3, lost: 2, pages: 2, tickets: 2, slo: { objective: 0.9, met: 1 / 3 } },
    ]);
    expect(proposed.states).toEqual([{ state: 'check', stuck: 1, lost: 1, pages: 1, tickets: 1, slo: { objective: 0.9, met: 1 / 3 } }]);
  });

  it('leaves out flags outside the window and states the model does not know', () => {
    const result = backtest(modelWith('m', 'expect_within: 30m'), [...STAYS, { orderId: 'x', state: 'elsewhere', enteredAt: at(0), leftAt: null }], { ...WINDOW, from: at(40) });
    // Only c's SLA (at 130) falls in [40, 200); d was stuck at 30; b and c left after their 30 minutes.
    expect(result.states).toEqual([{ state: 'check', stuck: 1, lost: 0, pages: 0, tickets: 1, slo: { objective: 0.9, met: 0 } }]);
  });
});
