import { loadModelFile, DEMO_MODEL_PATH } from '../events';
import { seededRandom } from '../common/test/seeded-random';
import { DEMO_FAULT_ATTRIBUTE, FATE_ODDS, mainPath, planOrder } from './demo-plan';

const seeded = (seed: number) => seededRandom(seed).next;

const model = loadModelFile(DEMO_MODEL_PATH);


describe('demo order plans', () => {
  it('follow the happy path of the model', () => {
    expect(mainPath(model)).toEqual(['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped']);
  });

  it('only take allowed transitions, in time order, and end as their fate says', () => {
    const random = seeded(42);
    const fates = new Map<string, number>();
    const plans = 40_000;
    for (let n = 0; n < plans; n++) {
      const plan = planOrder(model, random);
      fates.set(plan.fate, (fates.get(plan.fate) ?? 0) + 1);
      for (let i = 1; i < plan.events.length; i++) {
        expect(model.allowed(plan.events[i - 1]!.state, plan.events[i]!.state)).toBe(true);
        expect(plan.events[i]!.atMs).toBeGreaterThanOrEqual(plan.events[i - 1]!.atMs);
      }
      const last = plan.events[plan.events.length - 1]!.state;
      if (plan.fate === 'stalls') {
        expect(model.isTerminal(last)).toBe(false);
        expect(plan.events.at(-1)!.attributes[DEMO_FAULT_ATTRIBUTE]).toMatch(/^the demo stops this order here on purpose: \w+ never takes it from \w+, so it will be lost$/);
      } else if (plan.fate === 'slow') {
        expect(plan.events.filter((e) => DEMO_FAULT_ATTRIBUTE in e.attributes)).toHaveLength(1);
        expect(last).toBe('shipped');
      } else {
        expect(plan.events.some((e) => DEMO_FAULT_ATTRIBUTE in e.attributes)).toBe(false);
        expect(last).toBe(plan.fate === 'cancelled' ? 'cancelled' : 'shipped');
      }
    }
    expect([...fates.keys()].sort()).toEqual(['cancelled', 'flows', 'slow', 'stalls']);
    // Each fate near its odds (40,000 plans: a few standard deviations of slack).
    expect(fates.get('stalls')! / plans).toBeCloseTo(FATE_ODDS.stalls, 3);
    expect(fates.get('slow')! / plans).toBeCloseTo(FATE_ODDS.slow, 2);
    expect(fates.get('cancelled')! / plans).toBeCloseTo(FATE_ODDS.cancelled, 2);
  });

  it('keeps a flowing order within every SLA', () => {
    const random = seeded(7);
    let plan = planOrder(model, random);
    while (plan.fate !== 'flows') plan = planOrder(model, random);
    for (let i = 1; i < plan.events.length; i++) {
      const stay = (plan.events[i]!.atMs - plan.events[i - 1]!.atMs) / 1000;
      expect(stay).toBeLessThan(model.state(plan.events[i - 1]!.state)!.expectWithinSeconds!);
    }
  });
});
