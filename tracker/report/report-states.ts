import { mainPath, type ProcessModel } from '../../events';

/** The parts the report plays the model's states in, derived once from the model. */
export interface ReportStates {
  /** Terminal states: reaching one finishes an order (its lead time ends there). */
  readonly terminal: readonly string[];
  /** The model's completion state (shipped): an order that reached it completed; other terminal states ended it otherwise. */
  readonly completed: string | null;
  /** Where "time to confirm" is spent (assigned); see {@link confirmationState}. */
  readonly confirmation: string | null;
}

export function reportStates(model: ProcessModel): ReportStates {
  return {
    terminal: model.states.filter((s) => s.terminal).map((s) => s.name),
    completed: model.roles.completion,
    confirmation: confirmationState(model),
  };
}

/**
 * The state whose stays are an operator's "time to confirm": on the main path, the state right before
 * the model's confirmation state (`roles: { confirmation }`), if the same system owns both (in the
 * default model: `assigned`, owned by the CRM, where a salesperson took the order and confirms it with
 * the customer). Null when the model names no confirmation state or has no such pair: the operator
 * view then has no time to confirm.
 */
export function confirmationState(model: ProcessModel, path: readonly string[] = mainPath(model)): string | null {
  const confirmed = model.roles.confirmation;
  if (confirmed === null) return null;
  const at = path.indexOf(confirmed);
  if (at < 1) return null;
  const before = path[at - 1]!;
  return model.state(before)?.system === model.state(confirmed)?.system ? before : null;
}

/** Sorts state names in model order; states the model does not know come last, by name. */
export function byModelOrder(model: ProcessModel): (a: string, b: string) => number {
  const rank = new Map(model.states.map((s, i) => [s.name, i]));
  return (a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);
}
