import { ConfigError, splitList } from '../../common';

/** An operator of the CRM as configured: who, their share of the orders and how many they may hold open. */
export interface OperatorConfig {
  readonly id: string;
  readonly weight: number;
  readonly capacity: number;
}

/** The operators when none are configured: three equal ones, enough for a demo. */
export const DEFAULT_OPERATORS: readonly OperatorConfig[] = [
  { id: 'op-1', weight: 1, capacity: 50 },
  { id: 'op-2', weight: 1, capacity: 50 },
  { id: 'op-3', weight: 1, capacity: 50 },
];

/**
 * Parses `id[:weight[:capacity]]` entries (each may hold several, comma-separated), e.g.
 * `anna:2:80,ben`. Weight defaults to 1 and capacity to 50; no entries give {@link DEFAULT_OPERATORS}.
 */
export function parseOperators(specs: readonly string[]): OperatorConfig[] {
  const entries = specs.flatMap(splitList);
  if (entries.length === 0) return DEFAULT_OPERATORS.map((o) => ({ ...o }));
  const seen = new Set<string>();
  return entries.map((entry) => {
    const [id = '', weight = '1', capacity = '50', ...rest] = entry.split(':');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || rest.length > 0) throw new ConfigError(`operator "${entry}": expected id[:weight[:capacity]], the id made of letters, digits, ".", "_" or "-"`);
    if (seen.has(id)) throw new ConfigError(`operator "${id}" is listed twice`);
    seen.add(id);
    const w = Number(weight);
    const c = Number(capacity);
    if (!(w >= 0 && Number.isFinite(w))) throw new ConfigError(`operator "${id}": weight "${weight}" is not a number >= 0`);
    if (!Number.isInteger(c) || c < 0) throw new ConfigError(`operator "${id}": capacity "${capacity}" is not a whole number >= 0`);
    return { id, weight: w, capacity: c };
  });
}
