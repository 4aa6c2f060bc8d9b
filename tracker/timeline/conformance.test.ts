import { loadModel, ProcessModel, type StateDef } from '../../events';
import { checkMove } from './conformance';
import { ORDER_STATUSES, VIOLATION_KINDS } from './types';

const model = loadModel(`name: small
states:
  - { name: placed, system: shop, expect_within: 2m }
  - { name: pricing, system: mes, expect_within: 15m }
  - { name: shipped, system: crm, terminal: true }
transitions:
  - { from: placed, to: pricing }
  - { from: pricing, to: shipped }
`);

describe('a move checked against the process model', () => {
  it('names a state the model does not know, and every state it does', () => {
    expect(checkMove(model, 'placed', 'fraud_check')).toEqual({
      kind: 'unknown_state',
      message: '"fraud_check" is not a state of the process model "small" (states are: placed, pricing, shipped)',
    });
  });

  it('names the terminal state a move left', () => {
    expect(checkMove(model, 'shipped', 'placed')).toEqual({ kind: 'after_terminal', message: '"placed" came after "shipped", a terminal state that no transition leaves' });
  });

  it('names the moves the model allows instead', () => {
    expect(checkMove(model, 'placed', 'shipped')).toEqual({
      kind: 'disallowed_transition',
      message: '"placed" -> "shipped" is not an allowed transition (from "placed" the model allows: pricing)',
    });
  });

  it('says "nothing" for a state no transition leaves (a model built in code: a model file may not have one)', () => {
    const state = (name: string): StateDef => ({ name, label: name, aliases: [], system: 'shop', description: '', terminal: false, expectWithinSeconds: undefined, lostAfterSeconds: undefined });
    const deadEnd = new ProcessModel('dead-end', [state('a'), state('b')], new Map([['a', new Set<string>()]]), [], []);
    expect(checkMove(deadEnd, 'a', 'b')).toEqual({ kind: 'disallowed_transition', message: '"a" -> "b" is not an allowed transition (from "a" the model allows: nothing)' });
  });

  it('passes a first event, an allowed move, and any move out of a state the model does not know', () => {
    expect([checkMove(model, undefined, 'pricing'), checkMove(model, 'placed', 'pricing'), checkMove(model, 'fraud_check', 'shipped')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('the label values of violations and statuses', () => {
  it('are every kind and every status, statuses in the order an order goes through them', () => {
    expect(VIOLATION_KINDS).toEqual(['unknown_state', 'disallowed_transition', 'after_terminal']);
    expect(ORDER_STATUSES).toEqual(['open', 'stuck', 'lost', 'recovered', 'done']);
  });
});
