import { orderEventShape } from '../../events';
import { ConfigError, splitList } from '../../common';

/** What the sidecar does with one value of the state column. */
export type Mapped = { kind: 'state'; state: string } | { kind: 'ignored' } | { kind: 'unmapped' };

/**
 * The mapping from the values of the host's state column to states of the process model.
 *
 * - With a map (`--map NEW=placed,QUOTE=quote_requested`), mapped values become their state; values
 *   listed with `--ignore` are not tracked (their outbox rows are deleted and counted); any other
 *   value is **unmapped**: its row goes to the dead-letter table with the reason, is counted and
 *   logged, so that it can be redriven once the map has it. Nothing is lost silently and nothing
 *   blocks the rows behind it.
 * - Without a map, values are used as state names as they are (for tables that already store the
 *   model's states); the collector rejects those that are not, and they are dead-lettered.
 */
export class ValueMap {
  private constructor(
    private readonly states: ReadonlyMap<string, string> | undefined,
    private readonly ignored: ReadonlySet<string>,
  ) {}

  /** @param specs `--map` values: comma-separated `value=state` pairs; @param ignore `--ignore` values, comma-separated. */
  static parse(specs: readonly string[], ignore: readonly string[] = []): ValueMap {
    const ignored = new Set(ignore.flatMap(splitList));
    if (specs.length === 0) return new ValueMap(undefined, ignored);
    const states = new Map<string, string>();
    for (const pair of specs.flatMap(splitList)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new ConfigError(`--map: "${pair}" is not value=state (e.g. --map NEW=placed,QUOTE=quote_requested)`);
      const value = pair.slice(0, eq).trim();
      const state = pair.slice(eq + 1).trim();
      const check = orderEventShape.shape.state.safeParse(state);
      if (!check.success) throw new ConfigError(`--map: "${state}" (for "${value}") cannot be a state: ${check.error.issues[0]?.message}`);
      const earlier = states.get(value);
      if (earlier !== undefined && earlier !== state) throw new ConfigError(`--map: "${value}" is mapped twice, to "${earlier}" and to "${state}"`);
      if (ignored.has(value)) throw new ConfigError(`"${value}" is both mapped (--map) and ignored (--ignore)`);
      states.set(value, state);
    }
    return new ValueMap(states, ignored);
  }

  resolve(value: string): Mapped {
    if (this.ignored.has(value)) return { kind: 'ignored' };
    if (!this.states) return { kind: 'state', state: value };
    const state = this.states.get(value);
    return state === undefined ? { kind: 'unmapped' } : { kind: 'state', state };
  }

  /** For the start-up log line. */
  describe(): string {
    const mapped = this.states ? [...this.states].map(([v, s]) => `${v}=${s}`).join(', ') : 'values used as state names';
    return this.ignored.size > 0 ? `${mapped}; ignored: ${[...this.ignored].join(', ')}` : mapped;
  }
}
