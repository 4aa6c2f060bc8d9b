import { loadModelFile, DEMO_MODEL_PATH } from '../events';
import { mainPath, planOrder } from './demo-plan';

const model = loadModelFile(DEMO_MODEL_PATH);

/** A small deterministic generator (mulberry32) so that plans are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('demo order plans', () => {
  it('follow the happy path of the model', () => {
    expect(mainPath(model)).toEqual(['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped']);
  });

  it('only take allowed transitions, in time order, and end as their fate says', () => {
    const random = seeded(42);
    const fates = new Map<string, number>();
    for (let n = 0; n < 500; n++) {
      const plan = planOrder(model, random);
      fates.set(plan.fate, (fates.get(plan.fate) ?? 0) + 1);
      for (let i = 1; i < plan.events.length; i++) {
        expect(model.allowed(plan.events[i - 1]!.state, plan.events[i]!.state)).toBe(true);
        expect(plan.events[i]!.atMs).toBeGreaterThanOrEqual(plan.events[i - 1]!.atMs);
      }
      const last = plan.events[plan.events.length - 1]!.state;
      if (plan.fate === 'stalls') expect(model.isTerminal(last)).toBe(false);
      else if (plan.fate === 'cancelled') expect(last).toBe('cancelled');
      else expect(last).toBe('shipped');
    }
    expect([...fates.keys()].sort()).toEqual(['cancelled', 'flows', 'slow', 'stalls']);
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
