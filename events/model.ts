import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, parseDuration, PROJECT_ROOT } from '../common';
import { LIMITS } from './order-event';
import { readRedrive, type Redrive } from './redrive';

/** One state of the pipeline and its time limits (seconds; absent for terminal states). */
export interface StateDef {
  /** The state's id in events, metrics and URLs: lower case, digits, "_" or "-". */
  readonly name: string;
  /**
   * What people call it, any text ("T02 Check confirmation of receipt"): reports, pages and
   * dashboards show it. The name when the model gives none.
   */
  readonly label: string;
  /** Other texts that mean this state in imported logs (activity names as other logs write them). */
  readonly aliases: readonly string[];
  /** The system that owns the order while it is in this state (shop, crm, mes, ...). */
  readonly system: string;
  readonly description: string;
  readonly terminal: boolean;
  /** SLA: an order in this state longer than this is stuck. Undefined: no SLA yet ("observed only"). */
  readonly expectWithinSeconds: number | undefined;
  /** An order in this state longer than this is lost. Undefined: never judged lost by time in state. */
  readonly lostAfterSeconds: number | undefined;
  /** How to get an order moving again from this state (redrive.ts); a handoff's own comes first. */
  readonly redrive?: Redrive;
}

/** "After `from`, `to` (owned by another system) must follow within `withinSeconds`." */
export interface Handoff {
  readonly from: string;
  readonly to: string;
  readonly fromSystem: string;
  readonly toSystem: string;
  readonly withinSeconds: number;
  /** How the order travels, for people: e.g. "RabbitMQ queue mes.pricing". */
  readonly via: string;
  /** How to get an order that missed this handoff moving again (redrive.ts). */
  readonly redrive?: Redrive;
}

/** "`objective` of orders leave `state` within `withinSeconds`." */
export interface Slo {
  readonly state: string;
  readonly objective: number;
  readonly withinSeconds: number;
}

export const DEFAULT_MODEL_PATH = path.join(PROJECT_ROOT, 'config', 'order-model.yaml');
export const DEMO_MODEL_PATH = path.join(PROJECT_ROOT, 'config', 'demo-model.yaml');

/** A span of durations, in seconds. */
export interface DurationRange {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

/**
 * What some states mean beyond the pipeline's shape (`roles:` in the model file). Reports read them;
 * nothing else gives a state a meaning by its name.
 */
export interface ModelRoles {
  /**
   * The state an order is confirmed in (the default model's `confirmed`): the state before it, when
   * the same system owns both, is where an operator's "time to confirm" is spent. Null when the model
   * names none (no default: a state is not a confirmation because of its name).
   */
  readonly confirmation: string | null;
  /**
   * The terminal state that means an order completed (`shipped`); other terminal states end an order
   * otherwise. Default: the end of the {@link mainPath} when it is terminal, else null.
   */
  readonly completion: string | null;
}

/**
 * The process model: the one description of the pipeline that tracker rules, metric buckets,
 * dashboards, alerts and reports are generated from. Immutable once loaded.
 */
export class ProcessModel {
  readonly states: readonly StateDef[];
  readonly handoffs: readonly Handoff[];
  readonly slos: readonly Slo[];
  /** Owning systems in order of first appearance. */
  readonly systems: readonly string[];
  /** The states reports give a meaning to: declared in the model, or their defaults. */
  readonly roles: ModelRoles;
  private readonly byName: ReadonlyMap<string, StateDef>;
  private readonly byText: ReadonlyMap<string, StateDef>;
  private readonly edges: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(
    readonly name: string,
    states: StateDef[],
    edges: Map<string, Set<string>>,
    handoffs: Handoff[],
    slos: Slo[],
    /** The durations the time-in-state histogram spans (`histogram: { from, to }`), when the model says. */
    readonly histogram?: DurationRange,
    /** The roles the model file names; the others get their defaults (see {@link ModelRoles}). */
    declaredRoles: Partial<ModelRoles> = {},
  ) {
    this.states = states;
    this.byName = new Map(states.map((s) => [s.name, s]));
    // loadModel refuses a label or alias that means two states, so no entry here hides another.
    this.byText = new Map(states.flatMap((s) => [s.label, ...s.aliases].map((t) => [textKey(t), s] as const)));
    this.edges = edges;
    this.handoffs = handoffs;
    this.slos = slos;
    this.systems = [...new Set(states.map((s) => s.system))];
    this.roles = {
      confirmation: declaredRoles.confirmation ?? null,
      completion: declaredRoles.completion ?? endOfMainPath(this),
    };
  }

  /** The state called `name`, or undefined when the model has no such state. */
  state(name: string): StateDef | undefined {
    return this.byName.get(name);
  }

  /**
   * The state an event's text means: its name, its label or one of its aliases (labels and aliases
   * compared without regard to case or runs of spaces, as exports of one log differ in those).
   */
  stateFor(text: string): StateDef | undefined {
    return this.byName.get(text) ?? this.byText.get(textKey(text));
  }

  /** What people read for a state: its label, or its name when the state has no label or is unknown. */
  labelOf(name: string): string {
    return this.byName.get(name)?.label ?? name;
  }

  hasState(name: string): boolean {
    return this.byName.has(name);
  }

  isTerminal(name: string): boolean {
    return this.byName.get(name)?.terminal ?? false;
  }

  /** Whether the model allows an order to move from `from` to `to`. */
  allowed(from: string, to: string): boolean {
    return this.edges.get(from)?.has(to) ?? false;
  }

  /** States an order may move to from `state`, in model order. */
  successors(state: string): string[] {
    const next = this.edges.get(state);
    return next ? this.states.filter((s) => next.has(s.name)).map((s) => s.name) : [];
  }

  handoffsFrom(state: string): Handoff[] {
    return this.handoffs.filter((h) => h.from === state);
  }

  /**
   * How to redrive an order in `state`: the redrive of the handoff it missed (`handoffTo`, when it was
   * lost at one), else of any handoff from the state that names one, else the state's own.
   */
  redriveFor(state: string, handoffTo?: string | null): { readonly redrive: Redrive; readonly source: string } | undefined {
    const handoffs = this.handoffsFrom(state).filter((h) => h.redrive);
    const handoff = handoffs.find((h) => h.to === handoffTo) ?? handoffs[0];
    if (handoff) return { redrive: handoff.redrive!, source: `handoff ${handoff.from} -> ${handoff.to}` };
    const own = this.byName.get(state)?.redrive;
    return own && { redrive: own, source: `state ${state}` };
  }

  sloFor(state: string): Slo | undefined {
    return this.slos.find((s) => s.state === state);
  }

  /** States that are not terminal, i.e. where an order can be in flight. */
  openStates(): StateDef[] {
    return this.states.filter((s) => !s.terminal);
  }

  /** Open states with an SLA: those an order can be stuck in (the others are observed only). */
  stuckableStates(): StateDef[] {
    return this.openStates().filter((s) => s.expectWithinSeconds !== undefined);
  }

  /** Open states with a lost_after or a handoff: those an order can be declared lost in. */
  losableStates(): StateDef[] {
    return this.openStates().filter((s) => s.lostAfterSeconds !== undefined || this.handoffsFrom(s.name).length > 0);
  }

  /** Every time limit the model names (SLAs, lost-after, handoff windows, SLO windows), sorted, unique. */
  thresholds(): number[] {
    const all = [
      ...this.states.flatMap((s) => [s.expectWithinSeconds, s.lostAfterSeconds]),
      ...this.handoffs.map((h) => h.withinSeconds),
      ...this.slos.map((s) => s.withinSeconds),
    ].filter((v): v is number => v !== undefined);
    return [...new Set(all)].sort((a, b) => a - b);
  }

  /**
   * Histogram bucket bounds for time-in-state, in seconds: every threshold of the model (so that
   * "share within SLA" is exact from the buckets) plus a 1-2.5-5 ladder for shape, over the model's
   * `histogram` range when it has one (`model discover` writes the observed durations' range there:
   * observed-only states have no thresholds, and a history's limits may be far from its durations),
   * else from a tenth of the smallest threshold to ten times the largest.
   */
  durationBuckets(): number[] {
    const thresholds = this.thresholds();
    if (thresholds.length === 0 && !this.histogram) return [1, 5, 10, 30, 60, 300, 600, 1800, 3600];
    const low = this.histogram?.fromSeconds ?? thresholds[0]! / 10;
    const high = this.histogram?.toSeconds ?? thresholds[thresholds.length - 1]! * 10;
    const ladder: number[] = [];
    for (let decade = Math.pow(10, Math.floor(Math.log10(low))); decade <= high; decade *= 10) {
      for (const step of [1, 2.5, 5]) {
        const bound = Number((decade * step).toPrecision(6));
        if (bound >= low && bound <= high) ladder.push(bound);
      }
    }
    return [...new Set([...ladder, ...thresholds])].sort((a, b) => a - b);
  }
}

/** A state as a title: "Check receipt (check_receipt)" when it has a label, else its name. */
export function stateTitle(state: StateDef): string {
  return state.label === state.name ? state.name : `${state.label} (${state.name})`;
}

/** Labels and aliases as compared: case and runs of white space do not matter. */
function textKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The happy path of the model: from the first state, always the first successor not visited yet, to a
 * terminal state. Its last state is what "completed" means (shipped) when the model names no
 * `completion` role; other terminal states end an order otherwise (cancelled).
 */
export function mainPath(model: ProcessModel): string[] {
  const path = [model.states[0]!.name];
  while (!model.isTerminal(path[path.length - 1]!)) {
    const next = model.successors(path[path.length - 1]!).find((s) => !path.includes(s));
    if (!next) break;
    path.push(next);
  }
  return path;
}

/** The last state of the main path when it is terminal (what "completed" means by default), else null. */
function endOfMainPath(model: ProcessModel): string | null {
  if (model.states.length === 0) return null;
  const path = mainPath(model);
  const last = path[path.length - 1]!;
  return model.isTerminal(last) ? last : null;
}

/** Reads and validates a process model file. Throws a {@link ConfigError} listing every problem. */
export function loadModelFile(file: string = DEFAULT_MODEL_PATH): ProcessModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the process model ${file}: ${(err as Error).message}`, err);
  }
  return loadModel(text, path.relative(process.cwd(), file) || file);
}

/**
 * Validates a process model given as YAML text. Every problem is reported with its path in the file
 * and its line, e.g. `order-model.yaml:14: states[2].expect_within: "5x" is not a duration (...)`.
 */
export function loadModel(yamlText: string, fileName = 'order-model.yaml'): ProcessModel {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${fileName}:${e.linePos?.[0]?.line ?? 1}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const problems = new Problems(doc, lineCounter, fileName);
  const model = buildModel(doc.toJS() as unknown, problems);
  problems.throwIfAny();
  return model!;
}

type Path = (string | number)[];

class Problems {
  private readonly list: { path: Path; message: string }[] = [];
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly fileName: string,
  ) {}

  add(path: Path, message: string): void {
    this.list.push({ path, message });
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const lines = this.list.map(({ path, message }) => {
      const where = path.length ? `${formatPath(path)}: ` : '';
      return `${this.fileName}:${this.lineOf(path)}: ${where}${message}`;
    });
    const head = lines.length === 1 ? 'the process model is invalid' : `the process model has ${lines.length} problems`;
    throw new ConfigError(`${head}:\n  ${lines.join('\n  ')}`);
  }

  private lineOf(path: Path): number {
    // The deepest node that exists: a missing key is reported at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[a-z][a-z0-9_-]*$/;

function checkKeys(raw: Raw, allowed: string[], at: Path, problems: Problems): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) problems.add([...at, key], `unknown key (expected one of: ${allowed.join(', ')})`);
  }
}

function readName(raw: Raw, key: string, at: Path, problems: Problems): string | undefined {
  const value = raw[key];
  if (value === undefined) {
    problems.add([...at, key], 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || !NAME.test(value)) {
    problems.add([...at, key], `"${String(value)}" must be lower case letters, digits, "_" or "-", starting with a letter`);
    return undefined;
  }
  return value;
}

// A label or alias is what an event may carry as its state: the contract's rule for that text.
const LABEL_MAX_LENGTH = LIMITS.stateMaxLength;

function readLabel(value: unknown, at: Path, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > LABEL_MAX_LENGTH || /\p{Cc}/u.test(value)) {
    problems.add(at, `must be one line of text, 1 to ${LABEL_MAX_LENGTH} characters (what people call the state, e.g. "Check confirmation of receipt")`);
    return undefined;
  }
  return value;
}

function readAliases(value: unknown, at: Path, problems: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(at, 'must be a list of texts (other names of the state in imported logs)');
    return [];
  }
  return value.flatMap((v, i) => {
    const label = readLabel(v, [...at, i], problems);
    return label === undefined ? [] : [label];
  });
}

/** A label or alias that means two states would make imports depend on which was read first. */
function checkTexts(states: readonly StateDef[], problems: Problems): void {
  const owner = new Map<string, string>(states.map((s) => [s.name, s.name]));
  states.forEach((s, i) => {
    const texts = [...new Set([s.label, ...s.aliases].map(textKey))];
    texts.forEach((t) => {
      const other = owner.get(t);
      if (other !== undefined && other !== s.name) problems.add(['states', i], `its label or alias "${t}" also means state "${other}"; give each text to one state`);
      else owner.set(t, s.name);
    });
  });
}

function readDuration(raw: Raw, key: string, at: Path, problems: Problems): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const parsed = parseDuration(String(value));
  if ('error' in parsed) {
    problems.add([...at, key], parsed.error);
    return undefined;
  }
  if (parsed.seconds <= 0) {
    problems.add([...at, key], `"${String(value)}" must be longer than zero`);
    return undefined;
  }
  return parsed.seconds;
}

function readList(raw: Raw, key: string, problems: Problems, required: boolean): unknown[] {
  const value = raw[key];
  if (value === undefined || value === null) {
    if (required) problems.add([key], 'is required (a list)');
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add([key], 'must be a list');
    return [];
  }
  return value;
}

/** The model's top-level keys; `loadModel` refuses any other. */
const MODEL_KEYS = ['name', 'description', 'states', 'transitions', 'handoffs', 'slos', 'histogram', 'roles'];

/** Reads every section, each after the states it names; a section's problems are listed after the ones before it. */
function buildModel(raw: unknown, problems: Problems): ProcessModel | undefined {
  if (!isObject(raw)) {
    problems.add([], 'must be a mapping with name, states, transitions, handoffs and slos');
    return undefined;
  }
  checkKeys(raw, MODEL_KEYS, [], problems);
  const modelName = typeof raw.name === 'string' && raw.name ? raw.name : 'default';
  const states = readStates(raw, problems);
  checkTexts(states, problems);
  const known: KnownStates = { list: states, byName: new Map(states.map((s) => [s.name, s])) };
  const edges = readTransitions(raw, known, problems);
  const handoffs = readHandoffs(raw, known, edges, problems);
  const slos = readSlos(raw, known, problems);
  const histogram = readHistogram(raw, problems);
  const roles = readRoles(raw, known, problems);
  return new ProcessModel(modelName, states, edges, handoffs, slos, histogram, roles);
}

/** The states read so far, for the sections that name them. */
interface KnownStates {
  readonly list: readonly StateDef[];
  readonly byName: ReadonlyMap<string, StateDef>;
}

function unknownState(name: string, known: KnownStates): string {
  return `unknown state "${name}" (states are: ${known.list.map((s) => s.name).join(', ')})`;
}

/** `states:`, each checked on its own; a state that is refused is left out (its problems are listed). */
function readStates(raw: Raw, problems: Problems): StateDef[] {
  const states: StateDef[] = [];
  const firstIndex = new Map<string, number>();
  readList(raw, 'states', problems, true).forEach((item, i) => {
    const at: Path = ['states', i];
    if (!isObject(item)) return problems.add(at, 'must be a mapping with name, system, expect_within, lost_after');
    const fields = readStateFields(item, at, problems);
    if (fields.name !== undefined) {
      const first = firstIndex.get(fields.name);
      if (first !== undefined) problems.add([...at, 'name'], `duplicate state "${fields.name}" (first defined at states[${first}])`);
      else firstIndex.set(fields.name, i);
    }
    checkStateLimits(item, fields, at, problems);
    const { name, system, terminal, redrive } = fields;
    if (name !== undefined && system !== undefined && firstIndex.get(name) === i) {
      states.push({
        name,
        label: fields.label ?? name,
        aliases: fields.aliases,
        system,
        description: typeof item.description === 'string' ? item.description : '',
        terminal,
        expectWithinSeconds: terminal ? undefined : fields.expect,
        lostAfterSeconds: terminal ? undefined : fields.lost,
        ...(redrive && { redrive }),
      });
    }
  });
  return states;
}

/** One state's keys, each read and checked on its own. */
function readStateFields(item: Raw, at: Path, problems: Problems) {
  checkKeys(item, ['name', 'label', 'aliases', 'system', 'description', 'expect_within', 'lost_after', 'terminal', 'redrive'], at, problems);
  const name = readName(item, 'name', at, problems);
  const label = readLabel(item.label, [...at, 'label'], problems);
  const aliases = readAliases(item.aliases, [...at, 'aliases'], problems);
  const system = readName(item, 'system', at, problems);
  const terminal = item.terminal === true;
  if (item.terminal !== undefined && typeof item.terminal !== 'boolean') problems.add([...at, 'terminal'], 'must be true or false');
  const expect = readDuration(item, 'expect_within', at, problems);
  const lost = readDuration(item, 'lost_after', at, problems);
  const redrive = item.redrive === undefined ? undefined : readRedrive(item.redrive, (path, message) => problems.add([...at, 'redrive', ...path], message));
  if (terminal && item.redrive !== undefined) problems.add([...at, 'redrive'], 'a terminal state has no redrive: orders in it are done');
  return { name, label, aliases, system, terminal, expect, lost, redrive };
}

/** A terminal state has no time limits; an open state is stuck before it is lost. */
function checkStateLimits(item: Raw, limits: { terminal: boolean; expect: number | undefined; lost: number | undefined }, at: Path, problems: Problems): void {
  if (limits.terminal) {
    for (const key of ['expect_within', 'lost_after']) {
      if (item[key] !== undefined) problems.add([...at, key], `a terminal state has no ${key}: orders do not wait in it`);
    }
    return;
  }
  // Both limits are optional: a state without expect_within is "observed only" (time in state is
  // measured and reported, nobody is told), e.g. a process just imported whose SLAs are not agreed.
  if (limits.expect !== undefined && limits.lost !== undefined && limits.lost < limits.expect) {
    problems.add([...at, 'lost_after'], `(${String(item.lost_after)}) is shorter than expect_within (${String(item.expect_within)}); an order is stuck before it is lost`);
  }
}

/** `transitions:` as the allowed moves out of each state; an open state must have one. */
function readTransitions(raw: Raw, known: KnownStates, problems: Problems): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>(known.list.map((s) => [s.name, new Set<string>()]));
  const beforeTransitions = problems.count;
  readList(raw, 'transitions', problems, true).forEach((item, i) => {
    const at: Path = ['transitions', i];
    if (!isObject(item)) return problems.add(at, 'must be a mapping with from and to');
    checkKeys(item, ['from', 'to'], at, problems);
    const from = item.from;
    const targets = Array.isArray(item.to) ? item.to : [item.to];
    if (from === undefined) problems.add([...at, 'from'], 'is required (a state, or "*" for every state that is not terminal)');
    if (item.to === undefined) problems.add([...at, 'to'], 'is required (a state or a list of states)');
    const fromStates = from === '*' ? known.list.filter((s) => !s.terminal).map((s) => s.name) : [String(from)];
    if (from !== undefined && from !== '*') {
      const def = known.byName.get(String(from));
      if (!def) problems.add([...at, 'from'], unknownState(String(from), known));
      else if (def.terminal) problems.add([...at, 'from'], `"${def.name}" is terminal: no transition may leave it`);
    }
    targets.forEach((to, j) => {
      const toPath: Path = Array.isArray(item.to) ? [...at, 'to', j] : [...at, 'to'];
      if (item.to === undefined) return;
      if (!known.byName.has(String(to))) return problems.add(toPath, unknownState(String(to), known));
      for (const f of fromStates) if (f !== to) edges.get(f)?.add(String(to));
    });
  });
  // Only when the transitions themselves are sound: a refused one would make this a second, false problem.
  if (problems.count === beforeTransitions) checkOpenStatesLeave(raw, known, edges, problems);
  return edges;
}

/** The first open state no transition leaves, if any (one is enough to send the reader to the transitions). */
function checkOpenStatesLeave(raw: Raw, known: KnownStates, edges: ReadonlyMap<string, ReadonlySet<string>>, problems: Problems): void {
  const i = known.list.findIndex((s) => !s.terminal && edges.get(s.name)!.size === 0);
  if (i < 0) return;
  const name = known.list[i]!.name;
  problems.add(['states', indexOf(raw, name, i)], `state "${name}" is not terminal but no transition leaves it; add a transition or mark it terminal: true`);
}

/** `handoffs:`, each an allowed transition between two systems. */
function readHandoffs(raw: Raw, known: KnownStates, edges: ReadonlyMap<string, ReadonlySet<string>>, problems: Problems): Handoff[] {
  const handoffs: Handoff[] = [];
  readList(raw, 'handoffs', problems, false).forEach((item, i) => {
    const at: Path = ['handoffs', i];
    if (!isObject(item)) return problems.add(at, 'must be a mapping with from, to and within');
    checkKeys(item, ['from', 'to', 'within', 'via', 'redrive'], at, problems);
    const redrive = item.redrive === undefined ? undefined : readRedrive(item.redrive, (path, message) => problems.add([...at, 'redrive', ...path], message));
    const from = known.byName.get(String(item.from));
    const to = known.byName.get(String(item.to));
    if (!from) problems.add([...at, 'from'], item.from === undefined ? 'is required' : unknownState(String(item.from), known));
    if (!to) problems.add([...at, 'to'], item.to === undefined ? 'is required' : unknownState(String(item.to), known));
    const within = readDuration(item, 'within', at, problems);
    if (item.within === undefined) problems.add([...at, 'within'], 'is required (how soon the next system must pick the order up)');
    if (!from || !to) return;
    if (!edges.get(from.name)?.has(to.name)) problems.add(at, `"${from.name}" -> "${to.name}" is not an allowed transition`);
    if (from.system === to.system) problems.add(at, `a handoff joins two systems, but "${from.name}" and "${to.name}" are both owned by ${from.system}`);
    if (within === undefined) return;
    handoffs.push({
      from: from.name,
      to: to.name,
      fromSystem: from.system,
      toSystem: to.system,
      withinSeconds: within,
      via: typeof item.via === 'string' ? item.via : '',
      ...(redrive && { redrive }),
    });
  });
  return handoffs;
}

/** `slos:`, each on an open state; the window defaults to the state's expect_within. */
function readSlos(raw: Raw, known: KnownStates, problems: Problems): Slo[] {
  const slos: Slo[] = [];
  readList(raw, 'slos', problems, false).forEach((item, i) => {
    const at: Path = ['slos', i];
    if (!isObject(item)) return problems.add(at, 'must be a mapping with state, objective and within');
    checkKeys(item, ['state', 'objective', 'within'], at, problems);
    const state = known.byName.get(String(item.state));
    if (!state) problems.add([...at, 'state'], item.state === undefined ? 'is required' : unknownState(String(item.state), known));
    else if (state.terminal) problems.add([...at, 'state'], `"${state.name}" is terminal: orders never leave it`);
    const objective = item.objective;
    const validObjective = typeof objective === 'number' && objective > 0 && objective < 1;
    if (!validObjective) {
      problems.add([...at, 'objective'], `${objective === undefined ? 'is required:' : `"${String(objective)}" is not`} a fraction between 0 and 1, e.g. 0.99 for 99%`);
    }
    const within = readDuration(item, 'within', at, problems) ?? state?.expectWithinSeconds;
    if (state && !state.terminal && item.within === undefined && state.expectWithinSeconds === undefined) {
      problems.add([...at, 'within'], `is required: "${state.name}" has no expect_within to take it from`);
    }
    if (state && !state.terminal && validObjective && within !== undefined) {
      slos.push({ state: state.name, objective, withinSeconds: within });
    }
  });
  return slos;
}

/** The roles a model may name, in the order their problems are listed. */
const ROLE_NAMES = ['confirmation', 'completion'] as const;

/**
 * `roles: { confirmation: confirmed, completion: shipped }`: the states reports give a meaning to.
 * Each names a state of the model; completion must be terminal. Roles left out get their defaults
 * from the {@link ProcessModel} constructor.
 */
function readRoles(raw: Raw, known: KnownStates, problems: Problems): Partial<ModelRoles> {
  if (raw.roles === undefined || raw.roles === null) return {};
  const at: Path = ['roles'];
  if (!isObject(raw.roles)) {
    problems.add(at, 'must be a mapping of roles to states, e.g. { confirmation: confirmed, completion: shipped }');
    return {};
  }
  checkKeys(raw.roles, [...ROLE_NAMES], at, problems);
  const roles: { -readonly [K in keyof ModelRoles]?: string } = {};
  for (const role of ROLE_NAMES) {
    const value = raw.roles[role];
    if (value === undefined) continue;
    const state = typeof value === 'string' ? known.byName.get(value) : undefined;
    if (!state) {
      problems.add([...at, role], typeof value === 'string' ? unknownState(value, known) : `must name a state (states are: ${known.list.map((s) => s.name).join(', ')})`);
    } else if (role === 'completion' && !state.terminal) {
      const terminal = known.list.filter((s) => s.terminal).map((s) => s.name);
      problems.add([...at, role], `"${state.name}" is not terminal: reaching the completion state ends an order (terminal states are: ${terminal.join(', ')})`);
    } else {
      roles[role] = state.name;
    }
  }
  return roles;
}

/** `histogram: { from: 1m, to: 30d }`: the durations the time-in-state buckets span. */
function readHistogram(raw: Raw, problems: Problems): DurationRange | undefined {
  if (raw.histogram === undefined) return undefined;
  const at: Path = ['histogram'];
  if (!isObject(raw.histogram)) {
    problems.add(at, 'must be a mapping with from and to, e.g. { from: 1m, to: 30d }');
    return undefined;
  }
  checkKeys(raw.histogram, ['from', 'to'], at, problems);
  const from = readDuration(raw.histogram, 'from', at, problems);
  const to = readDuration(raw.histogram, 'to', at, problems);
  if (from === undefined || to === undefined) {
    for (const key of ['from', 'to'] as const) if (raw.histogram[key] === undefined) problems.add([...at, key], 'is required');
    return undefined;
  }
  if (!(to > from)) {
    problems.add([...at, 'to'], `must be longer than from (${raw.histogram.from as string})`);
    return undefined;
  }
  return { fromSeconds: from, toSeconds: to };
}

function indexOf(raw: Raw, name: string, fallback: number): number {
  const list = raw.states as Raw[];
  const i = list.findIndex((s) => isObject(s) && s.name === name);
  return i >= 0 ? i : fallback;
}
