import { mainPath, type ProcessModel } from '../events';

export { mainPath };

/** What happens to a demo order: most flow through, some are slow, some stall and get lost, some are cancelled. */
export type DemoFate = 'flows' | 'slow' | 'stalls' | 'cancelled';

/**
 * How often each fate comes up; the other orders flow. At the feed's 2 new orders a second, about 4
 * orders an hour stall and get lost and about 70 are slow (stuck, then they recover): a home page
 * that stays readable, with a few red rows that each say why.
 */
export const FATE_ODDS = { stalls: 0.0005, slow: 0.01, cancelled: 0.05 } as const;

/** The attribute that says why a stalled or slow order will be lost or stuck (the demo does it on purpose). */
export const DEMO_FAULT_ATTRIBUTE = 'demo_fault';

export interface PlannedEvent {
  state: string;
  /** Milliseconds after the order was placed. */
  atMs: number;
  attributes: Record<string, string | number>;
}

export interface OrderPlan {
  fate: DemoFate;
  events: PlannedEvent[];
}

/**
 * Plans one synthetic order on the model's clock. `random` returns [0, 1); passing a seeded one
 * makes plans reproducible in tests. Stays last 20-90% of the state's SLA; a slow order overstays
 * one SLA (stuck, then recovers); a stalled order stops in a state for good (stuck, then lost).
 */
export function planOrder(model: ProcessModel, random: () => number): OrderPlan {
  const path = mainPath(model);
  const roll = random();
  const fate: DemoFate =
    roll < FATE_ODDS.stalls ? 'stalls' : roll < FATE_ODDS.stalls + FATE_ODDS.slow ? 'slow' : roll < FATE_ODDS.stalls + FATE_ODDS.slow + FATE_ODDS.cancelled ? 'cancelled' : 'flows';
  const stopAt = 1 + Math.floor(random() * (path.length - 2));
  const segment = random() < 0.3 ? 'b2b' : 'b2c';
  // One operator grabs a large share of the orders: the unfairness the operator report should show.
  const operator = random() < 0.4 ? 'op-1' : `op-${2 + Math.floor(random() * 5)}`;
  const amount = Math.round((segment === 'b2b' ? 2000 : 150) * (0.5 + random() * 2));

  const events: PlannedEvent[] = [];
  let at = 0;
  for (let i = 0; i < path.length; i++) {
    const state = path[i]!;
    const def = model.state(state)!;
    const attributes: Record<string, string | number> = { segment, amount };
    if (def.system === 'crm') attributes.operator_id = operator;
    if (i === stopAt && fate === 'stalls') {
      const next = model.state(path[i + 1]!)!;
      attributes[DEMO_FAULT_ATTRIBUTE] = `the demo stops this order here on purpose: ${next.system} never takes it from ${state}, so it will be lost`;
    }
    if (i === stopAt && fate === 'slow') attributes[DEMO_FAULT_ATTRIBUTE] = `the demo holds this order in ${state} past its SLA on purpose: it will be stuck, then move on`;
    events.push({ state, atMs: Math.round(at), attributes });
    if (def.terminal) break;
    if (i === stopAt && fate === 'stalls') break;
    if (i === stopAt && fate === 'cancelled') {
      const cancel = model.successors(state).find((s) => model.isTerminal(s) && s !== path[i + 1]);
      if (cancel) events.push({ state: cancel, atMs: Math.round(at + 0.5 * def.expectWithinSeconds! * 1000), attributes: { segment } });
      break;
    }
    const sla = def.expectWithinSeconds! * 1000;
    const lost = def.lostAfterSeconds! * 1000;
    at += i === stopAt && fate === 'slow' ? sla + random() * (lost - sla) * 0.5 : sla * (0.2 + random() * 0.7);
  }
  return { fate, events };
}
