import type { ProcessModel } from '../../events';
import type { ViolationKind } from './types';

/**
 * Checks an order's move from `from` (undefined for its first event) into a different state `to`
 * against the process model. One kind per event, the most telling first: a state the model does not
 * know, then a move out of a terminal state, then a move the transitions do not allow. Moves out of
 * a state the model does not know are not checked: that state is already flagged.
 */
export function checkMove(model: ProcessModel, from: string | undefined, to: string): { kind: ViolationKind; message: string } | undefined {
  if (!model.hasState(to)) {
    return { kind: 'unknown_state', message: `"${to}" is not a state of the process model "${model.name}" (states are: ${model.states.map((s) => s.name).join(', ')})` };
  }
  if (from === undefined || !model.hasState(from)) return undefined;
  if (model.isTerminal(from)) {
    return { kind: 'after_terminal', message: `"${to}" came after "${from}", a terminal state that no transition leaves` };
  }
  if (!model.allowed(from, to)) {
    const allowed = model.successors(from);
    return { kind: 'disallowed_transition', message: `"${from}" -> "${to}" is not an allowed transition (from "${from}" the model allows: ${allowed.join(', ') || 'nothing'})` };
  }
  return undefined;
}
