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
    // Plain checks collected and asserted once: 40,000 plans make over a million checks, and a
    // million expect() calls take most of a minute.
    const wrong: string[] = [];
    const faultText = /^the demo stops this order here on purpose: \w+ never takes it from \w+, so it will be lost$/;
    for (let n = 0; n < plans; n++) {
      const plan = planOrder(model, random);
      fates.set(plan.fate, (fates.get(plan.fate) ?? 0) + 1);
      for (let i = 1; i < plan.events.length; i++) {
        const [from, to] = [plan.events[i - 1]!, plan.events[i]!];
        if (!model.allowed(from.state, to.state)) wrong.push(`plan ${n}: ${from.state} -> ${to.state} is not allowed`);
        if (to.atMs < from.atMs) wrong.push(`plan ${n}: ${to.state} at ${to.atMs} before ${from.state} at ${from.atMs}`);
      }
      const lastEvent = plan.events[plan.events.length - 1]!;
      const faults = plan.events.filter((e) => DEMO_FAULT_ATTRIBUTE in e.attributes);
      const ended =
        plan.fate === 'stalls'
          ? !model.isTerminal(lastEvent.state) && faultText.test(String(lastEvent.attributes[DEMO_FAULT_ATTRIBUTE]))
          : plan.fate === 'slow'
            ? faults.length === 1 && lastEvent.state === 'shipped'
            : faults.length === 0 && lastEvent.state === (plan.fate === 'cancelled' ? 'cancelled' : 'shipped');
      if (!ended) wrong.push(`plan ${n} (${plan.fate}) ends in ${lastEvent.state} with ${faults.length} fault mark(s): ${JSON.stringify(lastEvent.attributes)}`);
    }
    expect({ wrong: wrong.length, first: wrong.slice(0, 10) }).toEqual({ wrong: 0, first: [] });
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
