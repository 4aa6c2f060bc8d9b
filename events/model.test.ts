import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModel, loadModelFile, mainPath, stateTitle, ProcessModel, DEMO_MODEL_PATH, DEFAULT_MODEL_PATH, type StateDef } from './model';
import { ConfigError } from '../common';

/** A small valid model; tests replace one line to break one rule. */
const BASE = `name: test
states:
  - { name: placed, system: shop, expect_within: 5m, lost_after: 30m }
  - { name: pricing, system: mes, expect_within: 10m, lost_after: 1h }
  - { name: done, system: mes, terminal: true }
  - { name: cancelled, system: crm, terminal: true }
transitions:
  - { from: placed, to: pricing }
  - { from: pricing, to: done }
  - { from: "*", to: cancelled }
handoffs:
  - { from: placed, to: pricing, within: 2m, via: RabbitMQ }
slos:
  - { state: pricing, objective: 0.99, within: 10m }
`;

function problemOf(yaml: string): string {
  try {
    loadModel(yaml, 'm.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the model to be rejected');
}

const replace = (from: string, to: string) => {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
};

describe('the process model loader', () => {
  it('loads a valid model into the typed API', () => {
    const m = loadModel(BASE);
    expect(m.name).toBe('test');
    expect(m.states.map((s) => s.name)).toEqual(['placed', 'pricing', 'done', 'cancelled']);
    expect(m.state('pricing')).toEqual({ name: 'pricing', label: 'pricing', aliases: [], system: 'mes', description: '', terminal: false, expectWithinSeconds: 600, lostAfterSeconds: 3600 });
    expect(m.state('nope')).toBeUndefined();
    expect(m.allowed('placed', 'pricing')).toBe(true);
    expect(m.allowed('pricing', 'placed')).toBe(false);
    expect(m.allowed('placed', 'cancelled')).toBe(true);
    expect(m.allowed('done', 'cancelled')).toBe(false);
    expect(m.successors('placed')).toEqual(['pricing', 'cancelled']);
    expect(m.handoffsFrom('placed')).toEqual([{ from: 'placed', to: 'pricing', fromSystem: 'shop', toSystem: 'mes', withinSeconds: 120, via: 'RabbitMQ' }]);
    expect(m.handoffsFrom('pricing')).toEqual([]);
    expect(m.sloFor('pricing')).toEqual({ state: 'pricing', objective: 0.99, withinSeconds: 600 });
    expect(m.systems).toEqual(['shop', 'mes', 'crm']);
    expect(m.isTerminal('done')).toBe(true);
    expect(m.openStates().map((s) => s.name)).toEqual(['placed', 'pricing']);
  });

  it('puts every threshold of the model among the histogram buckets', () => {
    const m = loadModel(BASE);
    expect(m.thresholds()).toEqual([120, 300, 600, 1800, 3600]);
    expect(m.durationBuckets()).toEqual([
      25, 50, 100, 120, 250, 300, 500, 600, 1000, 1800, 2500, 3600, 5000, 10000, 25000,
    ]);
  });

  it('spans the histogram over the model\'s range when it has one: observed-only states have no thresholds to derive it from', () => {
    const observedOnly = loadModel(
      BASE.replace(/, expect_within: \w+, lost_after: \w+ \}/g, ' }').replace(/handoffs:\n.*\n/, 'handoffs: []\n').replace(/slos:\n.*\n/, 'slos: []\n') + 'histogram: { from: 1h, to: 30d }\n',
    );
    expect(observedOnly.thresholds()).toEqual([]);
    expect(observedOnly.durationBuckets()).toEqual([5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000]);
    // With thresholds, they stay among the buckets, over the model's range instead of theirs.
    expect(loadModel(`${BASE}histogram: { from: 1m, to: 2h }\n`).durationBuckets()).toEqual([100, 120, 250, 300, 500, 600, 1000, 1800, 2500, 3600, 5000]);
  });

  it('maps a state\'s name, label and aliases to it, whatever their case and spacing, and shows the label', () => {
    const m = loadModel(
      replace('{ name: pricing, system: mes, expect_within: 10m, lost_after: 1h }', '{ name: pricing, label: "T02 Check price (MES)", aliases: [price check, "T02-check"], system: mes }'),
    );
    expect(['pricing', 'T02 Check price (MES)', 't02  check PRICE (mes) ', 'Price Check', 'T02-check'].map((t) => m.stateFor(t)?.name)).toEqual(['pricing', 'pricing', 'pricing', 'pricing', 'pricing']);
    expect(m.stateFor('T02 Check')).toBeUndefined();
    expect([m.labelOf('pricing'), m.labelOf('placed'), m.labelOf('unknown')]).toEqual(['T02 Check price (MES)', 'placed', 'unknown']);
    // No limits: "observed only", measured and reported, never flagged.
    expect(m.state('pricing')).toMatchObject({ expectWithinSeconds: undefined, lostAfterSeconds: undefined });
  });

  it('takes an SLO window from the state SLA when the SLO gives none', () => {
    const m = loadModel(replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: pricing, objective: 0.9 }'));
    expect(m.sloFor('pricing')).toEqual({ state: 'pricing', objective: 0.9, withinSeconds: 600 });
  });

  it.each([
    [
      'an unknown state in a transition',
      replace('{ from: pricing, to: done }', '{ from: pricing, to: shipped }'),
      'm.yaml:9: transitions[1].to: unknown state "shipped" (states are: placed, pricing, done, cancelled)',
    ],
    [
      'an unknown from-state in a transition',
      replace('{ from: pricing, to: done }', '{ from: pricng, to: done }'),
      'm.yaml:9: transitions[1].from: unknown state "pricng" (states are: placed, pricing, done, cancelled)',
    ],
    [
      'an unknown state in a handoff',
      replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', '{ from: placed, to: billing, within: 2m }'),
      'm.yaml:12: handoffs[0].to: unknown state "billing" (states are: placed, pricing, done, cancelled)',
    ],
    [
      'an unparseable duration',
      replace('expect_within: 5m', 'expect_within: 5x'),
      'm.yaml:3: states[0].expect_within: "5x" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)',
    ],
    [
      'a negative duration',
      replace('lost_after: 1h', 'lost_after: -1m'),
      'm.yaml:4: states[1].lost_after: "-1m" is negative; durations must be positive',
    ],
    [
      'a zero duration',
      replace('within: 2m', 'within: 0s'),
      'm.yaml:12: handoffs[0].within: "0s" must be longer than zero',
    ],
    [
      'lost_after shorter than expect_within',
      replace('expect_within: 10m, lost_after: 1h', 'expect_within: 10m, lost_after: 5m'),
      'm.yaml:4: states[1].lost_after: (5m) is shorter than expect_within (10m); an order is stuck before it is lost',
    ],
    [
      'a non-terminal state with no way out',
      replace('  - { from: "*", to: cancelled }\n', '').replace('{ from: pricing, to: done }', '{ from: placed, to: done }'),
      'm.yaml:4: states[1]: state "pricing" is not terminal but no transition leaves it; add a transition or mark it terminal: true',
    ],
    [
      'a duplicate state',
      replace('  - { name: cancelled, system: crm, terminal: true }', '  - { name: cancelled, system: crm, terminal: true }\n  - { name: pricing, system: mes, expect_within: 1m, lost_after: 2m }'),
      'm.yaml:7: states[4].name: duplicate state "pricing" (first defined at states[1])',
    ],
    [
      'a label that means two states',
      replace('{ name: placed, system: shop,', '{ name: placed, label: Order placed, system: shop,').replace('{ name: pricing, system: mes,', '{ name: pricing, aliases: [order  PLACED], system: mes,'),
      'm.yaml:4: states[1]: its label or alias "order placed" also means state "placed"; give each text to one state',
    ],
    [
      'an SLO on an observed-only state without its own window',
      replace('{ name: pricing, system: mes, expect_within: 10m, lost_after: 1h }', '{ name: pricing, system: mes }').replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: pricing, objective: 0.99 }'),
      'm.yaml:14: slos[0].within: is required: "pricing" has no expect_within to take it from',
    ],
    [
      'a terminal state with an SLA',
      replace('{ name: done, system: mes, terminal: true }', '{ name: done, system: mes, terminal: true, expect_within: 1m }'),
      'm.yaml:5: states[2].expect_within: a terminal state has no expect_within: orders do not wait in it',
    ],
    [
      'a transition out of a terminal state',
      replace('{ from: pricing, to: done }', '{ from: pricing, to: done }\n  - { from: done, to: placed }'),
      'm.yaml:10: transitions[2].from: "done" is terminal: no transition may leave it',
    ],
    [
      'a handoff that is not an allowed transition',
      replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', '{ from: placed, to: done, within: 2m }'),
      'm.yaml:12: handoffs[0]: "placed" -> "done" is not an allowed transition',
    ],
    [
      'a handoff within one system',
      replace('{ name: pricing, system: mes,', '{ name: pricing, system: shop,'),
      'm.yaml:12: handoffs[0]: a handoff joins two systems, but "placed" and "pricing" are both owned by shop',
    ],
    [
      'an SLO objective given in percent',
      replace('objective: 0.99', 'objective: 99'),
      'm.yaml:14: slos[0].objective: "99" is not a fraction between 0 and 1, e.g. 0.99 for 99%',
    ],
    [
      'an SLO on a terminal state',
      replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: done, objective: 0.99, within: 10m }'),
      'm.yaml:14: slos[0].state: "done" is terminal: orders never leave it',
    ],
    [
      'an unknown key (a typo)',
      replace('{ name: placed, system: shop, expect_within: 5m, lost_after: 30m }', '{ name: placed, system: shop, expect_within: 5m, lost_afer: 30m }'),
      'm.yaml:3: states[0].lost_afer: unknown key (expected one of: name, label, aliases, system, description, expect_within, lost_after, terminal, redrive)',
    ],
    [
      'a state name with upper case',
      replace('{ name: cancelled,', '{ name: Cancelled,').replace('to: cancelled', 'to: Cancelled'),
      'm.yaml:6: states[3].name: "Cancelled" must be lower case letters, digits, "_" or "-", starting with a letter\n' +
        '  m.yaml:10: transitions[2].to: unknown state "Cancelled" (states are: placed, pricing, done)',
    ],
    [
      'a histogram range that ends before it starts',
      `${BASE}histogram: { from: 1d, to: 1h }\n`,
      'm.yaml:15: histogram.to: must be longer than from (1d)',
    ],
    [
      'a histogram range without its end',
      `${BASE}histogram: { from: 1d }\n`,
      'm.yaml:15: histogram.to: is required',
    ],
    ['a key the model does not have', `${BASE}extra: 1\n`, 'm.yaml:15: extra: unknown key (expected one of: name, description, states, transitions, handoffs, slos, histogram, roles)'],
    ['a role that names no state', `${BASE}roles: { confirmation: approved }\n`, 'm.yaml:15: roles.confirmation: unknown state "approved" (states are: placed, pricing, done, cancelled)'],
    [
      'a completion state that is not terminal',
      `${BASE}roles: { completion: pricing }\n`,
      'm.yaml:15: roles.completion: "pricing" is not terminal: reaching the completion state ends an order (terminal states are: done, cancelled)',
    ],
    ['a role that is not a state name', `${BASE}roles: { completion: [done] }\n`, 'm.yaml:15: roles.completion: must name a state (states are: placed, pricing, done, cancelled)'],
    ['a role the model does not have', `${BASE}roles: { confirmed: pricing }\n`, 'm.yaml:15: roles.confirmed: unknown key (expected one of: confirmation, completion)'],
    ['roles that are not a mapping', `${BASE}roles: confirmed\n`, 'm.yaml:15: roles: must be a mapping of roles to states, e.g. { confirmation: confirmed, completion: shipped }'],
    [
      'both roles wrong at once',
      `${BASE}roles:\n  confirmation: confirmed\n  completion: placed\n`,
      'm.yaml:16: roles.confirmation: unknown state "confirmed" (states are: placed, pricing, done, cancelled)\n' +
        '  m.yaml:17: roles.completion: "placed" is not terminal: reaching the completion state ends an order (terminal states are: done, cancelled)',
    ],
    // A missing list is reported at the top of the file, the first line.
    ['a model without transitions', BASE.replace(/transitions:\n( {2}- .*\n)+/, '').replace(/handoffs:\n.*\n/, ''), 'm.yaml:1: transitions: is required (a list)'],
    ['handoffs that are not a list', BASE.replace(/handoffs:\n.*\n/, 'handoffs: { from: placed }\n'), 'm.yaml:11: handoffs: must be a list'],
    ['a state that is not a mapping', replace('  - { name: cancelled, system: crm, terminal: true }', '  - { name: cancelled, system: crm, terminal: true }\n  - shipped'), 'm.yaml:7: states[4]: must be a mapping with name, system, expect_within, lost_after'],
    ['a state without a name', replace('{ name: cancelled, system: crm, terminal: true }', '{ system: crm, terminal: true }').replace('{ from: "*", to: cancelled }', '{ from: "*", to: done }'), 'm.yaml:6: states[3].name: is required'],
    ['a state without a system', replace('{ name: cancelled, system: crm, terminal: true }', '{ name: cancelled, terminal: true }').replace('{ from: "*", to: cancelled }', '{ from: "*", to: done }'), 'm.yaml:6: states[3].system: is required'],
    ['terminal that is not true or false', replace('{ name: done, system: mes, terminal: true }', '{ name: done, system: mes, terminal: "yes" }').replace('{ from: pricing, to: done }', '{ from: pricing, to: cancelled }'), 'm.yaml:5: states[2].terminal: must be true or false'],
    [
      'a label of white space only',
      replace('{ name: placed, system: shop,', '{ name: placed, label: "  ", system: shop,'),
      'm.yaml:3: states[0].label: must be one line of text, 1 to 200 characters (what people call the state, e.g. "Check confirmation of receipt")',
    ],
    [
      'a label of 201 characters',
      replace('{ name: placed, system: shop,', `{ name: placed, label: ${'x'.repeat(201)}, system: shop,`),
      'm.yaml:3: states[0].label: must be one line of text, 1 to 200 characters (what people call the state, e.g. "Check confirmation of receipt")',
    ],
    ['aliases that are not a list', replace('{ name: placed, system: shop,', '{ name: placed, aliases: order placed, system: shop,'), 'm.yaml:3: states[0].aliases: must be a list of texts (other names of the state in imported logs)'],
    [
      'an alias that is not text, or empty',
      replace('{ name: placed, system: shop,', '{ name: placed, aliases: [placed order, 5, ""], system: shop,'),
      'm.yaml:3: states[0].aliases[1]: must be one line of text, 1 to 200 characters (what people call the state, e.g. "Check confirmation of receipt")\n' +
        '  m.yaml:3: states[0].aliases[2]: must be one line of text, 1 to 200 characters (what people call the state, e.g. "Check confirmation of receipt")',
    ],
    ['a transition that is not a mapping', replace('  - { from: pricing, to: done }', '  - { from: pricing, to: done }\n  - pricing'), 'm.yaml:10: transitions[2]: must be a mapping with from and to'],
    ['a transition without from', replace('{ from: pricing, to: done }', '{ to: done }'), 'm.yaml:9: transitions[1].from: is required (a state, or "*" for every state that is not terminal)'],
    ['a transition without to', replace('{ from: pricing, to: done }', '{ from: pricing }'), 'm.yaml:9: transitions[1].to: is required (a state or a list of states)'],
    ['a transition with another key', replace('{ from: pricing, to: done }', '{ from: pricing, to: done, via: mes }'), 'm.yaml:9: transitions[1].via: unknown key (expected one of: from, to)'],
    ['an unknown state in a list of targets', replace('{ from: pricing, to: done }', '{ from: pricing, to: [done, shipped] }'), 'm.yaml:9: transitions[1].to[1]: unknown state "shipped" (states are: placed, pricing, done, cancelled)'],
    ['a handoff that is not a mapping', replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', 'placed'), 'm.yaml:12: handoffs[0]: must be a mapping with from, to and within'],
    [
      'a handoff without from, to and within',
      replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', '{ via: RabbitMQ }'),
      'm.yaml:12: handoffs[0].from: is required\n  m.yaml:12: handoffs[0].to: is required\n  m.yaml:12: handoffs[0].within: is required (how soon the next system must pick the order up)',
    ],
    ['an SLO that is not a mapping', replace('{ state: pricing, objective: 0.99, within: 10m }', 'pricing'), 'm.yaml:14: slos[0]: must be a mapping with state, objective and within'],
    [
      'an SLO without state and objective',
      replace('{ state: pricing, objective: 0.99, within: 10m }', '{ within: 10m, target: 0.9 }'),
      'm.yaml:14: slos[0].target: unknown key (expected one of: state, objective, within)\n' +
        '  m.yaml:14: slos[0].state: is required\n' +
        '  m.yaml:14: slos[0].objective: is required: a fraction between 0 and 1, e.g. 0.99 for 99%',
    ],
    ['an SLO objective of 1', replace('objective: 0.99', 'objective: 1'), 'm.yaml:14: slos[0].objective: "1" is not a fraction between 0 and 1, e.g. 0.99 for 99%'],
    ['an SLO objective of 0', replace('objective: 0.99', 'objective: 0'), 'm.yaml:14: slos[0].objective: "0" is not a fraction between 0 and 1, e.g. 0.99 for 99%'],
    ['an SLO objective given as text', replace('objective: 0.99', 'objective: "0.5"'), 'm.yaml:14: slos[0].objective: "0.5" is not a fraction between 0 and 1, e.g. 0.99 for 99%'],
    ['a histogram range that is not a mapping', `${BASE}histogram: 1h\n`, 'm.yaml:15: histogram: must be a mapping with from and to, e.g. { from: 1m, to: 30d }'],
    [
      'a histogram range without its ends',
      `${BASE}histogram: { upto: 1d }\n`,
      'm.yaml:15: histogram.upto: unknown key (expected one of: from, to)\n  m.yaml:15: histogram.from: is required\n  m.yaml:15: histogram.to: is required',
    ],
    ['an empty histogram range', `${BASE}histogram: { from: 1h, to: 60m }\n`, 'm.yaml:15: histogram.to: must be longer than from (1h)'],
    ['a histogram range without its start', `${BASE}histogram: { to: 1d }\n`, 'm.yaml:15: histogram.from: is required'],
    ['a model without states', 'name: empty\ntransitions: []\n', 'm.yaml:1: states: is required (a list)'],
    ['an empty state', replace('  - { name: cancelled, system: crm, terminal: true }', '  - { name: cancelled, system: crm, terminal: true }\n  - null'), 'm.yaml:7: states[4]: must be a mapping with name, system, expect_within, lost_after'],
    ['a state name with a character after valid ones', replace('{ name: done,', '{ name: "done!",').replace('to: done', 'to: cancelled'), 'm.yaml:5: states[2].name: "done!" must be lower case letters, digits, "_" or "-", starting with a letter'],
    ['a state name that is a list', replace('{ name: done,', '{ name: [done],').replace('to: done', 'to: cancelled'), 'm.yaml:5: states[2].name: "done" must be lower case letters, digits, "_" or "-", starting with a letter'],
    [
      'two states without a name',
      replace('  - { name: cancelled, system: crm, terminal: true }', '  - { system: crm, terminal: true }\n  - { system: crm, terminal: true }').replace('{ from: "*", to: cancelled }', '{ from: "*", to: done }'),
      'm.yaml:6: states[3].name: is required\n  m.yaml:7: states[4].name: is required',
    ],
    ['a label that is the name of another state', replace('{ name: pricing, system: mes,', '{ name: pricing, label: Placed, system: mes,'), 'm.yaml:4: states[1]: its label or alias "placed" also means state "placed"; give each text to one state'],
    [
      'an alias that is the name of a state with a label',
      replace('{ name: placed, system: shop,', '{ name: placed, label: Order placed, system: shop,').replace('{ name: pricing, system: mes,', '{ name: pricing, aliases: [placed], system: mes,'),
      'm.yaml:4: states[1]: its label or alias "placed" also means state "placed"; give each text to one state',
    ],
    ['a terminal state with a lost_after', replace('{ name: done, system: mes, terminal: true }', '{ name: done, system: mes, terminal: true, lost_after: 1h }'), 'm.yaml:5: states[2].lost_after: a terminal state has no lost_after: orders do not wait in it'],
    [
      // The problem names the state where the file has it, not where it is among the valid ones.
      'a state without a way out, after a state that is refused',
      replace('  - { name: placed, system: shop, expect_within: 5m, lost_after: 30m }\n', '  - { name: Placed, system: shop }\n  - { name: placed, system: shop, expect_within: 5m, lost_after: 30m }\n')
        .replace('  - { from: "*", to: cancelled }\n', '')
        .replace('{ from: pricing, to: done }', '{ from: placed, to: done }'),
      'm.yaml:3: states[0].name: "Placed" must be lower case letters, digits, "_" or "-", starting with a letter\n' +
        '  m.yaml:5: states[2]: state "pricing" is not terminal but no transition leaves it; add a transition or mark it terminal: true',
    ],
    ['an unknown state a handoff starts from', replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', '{ from: billing, to: pricing, within: 2m }'), 'm.yaml:12: handoffs[0].from: unknown state "billing" (states are: placed, pricing, done, cancelled)'],
    ['an SLO on an unknown state', replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: billing, objective: 0.99 }'), 'm.yaml:14: slos[0].state: unknown state "billing" (states are: placed, pricing, done, cancelled)'],
    ['an SLO on a terminal state without a window', replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: done, objective: 0.99 }'), 'm.yaml:14: slos[0].state: "done" is terminal: orders never leave it'],
  ])('rejects %s with its path and line', (_what, yaml, message) => {
    const count = message.split('\n').length;
    expect(problemOf(yaml)).toBe(`${count === 1 ? 'the process model is invalid' : `the process model has ${count} problems`}:\n  ${message}`);
  });

  it('lists every problem at once', () => {
    const yaml = replace('expect_within: 5m', 'expect_within: 5x').replace('lost_after: 1h', 'lost_after: -1m');
    expect(problemOf(yaml)).toBe(
      'the process model has 2 problems:\n' +
        '  m.yaml:3: states[0].expect_within: "5x" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)\n' +
        '  m.yaml:4: states[1].lost_after: "-1m" is negative; durations must be positive',
    );
  });

  it('rejects YAML that does not parse, with its line', () => {
    expect(problemOf('states:\n  - { name: a\n')).toMatch(/^m\.yaml:\d+: not valid YAML: /);
  });

  it('reports a problem of the whole file at its first line of YAML, after leading comments', () => {
    expect(problemOf('# A model\n\n- a\n- b\n')).toBe('the process model is invalid:\n  m.yaml:3: must be a mapping with name, states, transitions, handoffs and slos');
  });

  it('names the file it read, relative to the working directory, or order-model.yaml for text', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'model-'));
    try {
      const file = path.join(dir, 'broken.yaml');
      writeFileSync(file, 'name: broken\ntransitions: []\n');
      expect(() => loadModelFile(file)).toThrow(`the process model is invalid:\n  ${path.relative(process.cwd(), file)}:1: states: is required (a list)`);
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(() => loadModel('name: broken\ntransitions: []\n')).toThrow('the process model is invalid:\n  order-model.yaml:1: states: is required (a list)');
  });

  it('names the line of the first YAML error, and only the first line of its message', () => {
    expect(problemOf('name: a\nname: b\nstates: [\n')).toBe('m.yaml:2: not valid YAML: Map keys must be unique at line 2, column 1:');
  });

  it('takes the defaults of what a model may leave out: its name, a description, a handoff\'s via, a label', () => {
    const m = loadModel(BASE.replace('name: test\n', '').replace('via: RabbitMQ', 'via: 5').replace('{ name: placed, system: shop,', '{ name: placed, description: The customer ordered, system: shop,'));
    expect(m.name).toBe('default');
    expect(loadModel(BASE.replace('name: test', 'name: 5')).name).toBe('default');
    expect(loadModel(BASE.replace(/handoffs:\n.*\n/, 'handoffs:\n')).handoffs).toEqual([]);
    expect(m.state('placed')).toMatchObject({ label: 'placed', description: 'The customer ordered' });
    expect(m.state('pricing')!.description).toBe('');
    expect(m.handoffsFrom('placed')[0]!.via).toBe('');
    expect(loadModel(replace('{ name: placed, system: shop,', `{ name: placed, label: ${'x'.repeat(200)}, system: shop,`)).labelOf('placed')).toBe('x'.repeat(200));
  });

  it('reads a transition to a list of states, and "*" as every state that is not terminal, never to itself', () => {
    const m = loadModel(replace('{ from: pricing, to: done }', '{ from: pricing, to: [done, placed] }').replace('{ from: "*", to: cancelled }', '{ from: "*", to: [cancelled, placed] }'));
    expect(m.successors('pricing')).toEqual(['placed', 'done', 'cancelled']);
    expect(m.successors('placed')).toEqual(['pricing', 'cancelled']);
    expect(m.successors('done')).toEqual([]);
    expect(m.successors('nope')).toEqual([]);
  });

  it('tells the states an order can be stuck in (an SLA) and lost in (lost_after or a handoff)', () => {
    const m = loadModel(
      replace('expect_within: 5m, lost_after: 30m', 'expect_within: 5m')
        .replace('{ name: pricing, system: mes, expect_within: 10m, lost_after: 1h }', '{ name: pricing, system: mes, lost_after: 1h }\n  - { name: review, system: mes }')
        .replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: placed, objective: 0.99 }'),
    );
    expect(m.stuckableStates().map((s) => s.name)).toEqual(['placed']);
    expect(m.losableStates().map((s) => s.name)).toEqual(['placed', 'pricing']);
    expect(m.openStates().map((s) => s.name)).toEqual(['placed', 'pricing', 'review']);
  });

  it('has default buckets when it names no limit and no range', () => {
    const observedOnly = loadModel(BASE.replace(/, expect_within: \w+, lost_after: \w+ \}/g, ' }').replace(/handoffs:\n.*\n/, 'handoffs: []\n').replace(/slos:\n.*\n/, 'slos: []\n'));
    expect(observedOnly.durationBuckets()).toEqual([1, 5, 10, 30, 60, 300, 600, 1800, 3600]);
  });

  it('follows the first successor not yet visited from the first state: the main path', () => {
    expect(mainPath(loadModel(BASE))).toEqual(['placed', 'pricing', 'done']);
    // A loop without a way to a terminal state ends where every successor was visited.
    const loop = loadModel('states:\n  - { name: a, system: x }\n  - { name: b, system: x }\ntransitions:\n  - { from: a, to: b }\n  - { from: b, to: a }\n');
    expect(mainPath(loop)).toEqual(['a', 'b']);
    // It stops at a terminal state even when a model built in code has a move out of it.
    const state = (name: string, terminal: boolean): StateDef => ({ name, label: name, aliases: [], system: 'x', description: '', terminal, expectWithinSeconds: undefined, lostAfterSeconds: undefined });
    const built = new ProcessModel('built', [state('a', false), state('b', true), state('c', false)], new Map([['a', new Set(['b'])], ['b', new Set(['c'])]]), [], []);
    expect(mainPath(built)).toEqual(['a', 'b']);
  });

  describe('roles', () => {
    it('reads the roles the model names', () => {
      expect(loadModel(`${BASE}roles: { confirmation: pricing, completion: done }\n`).roles).toEqual({ confirmation: 'pricing', completion: 'done' });
      // completion may be any terminal state, also one the main path does not end in.
      expect(loadModel(`${BASE}roles:\n  completion: cancelled\n`).roles).toEqual({ confirmation: null, completion: 'cancelled' });
    });

    it('defaults completion to the end of the main path when it is terminal, and confirmation to none', () => {
      expect(loadModel(BASE).roles).toEqual({ confirmation: null, completion: 'done' });
      expect(loadModel(`${BASE}roles: {}\n`).roles).toEqual({ confirmation: null, completion: 'done' });
      // A state called "confirmed" is not a confirmation state for its name.
      const named = loadModel(BASE.replace(/pricing/g, 'confirmed'));
      expect(named.roles).toEqual({ confirmation: null, completion: 'done' });
      // A main path that ends in a loop (a, b, back to a) ends in no terminal state: no completion state.
      const loop = loadModel('states:\n  - { name: a, system: x }\n  - { name: b, system: x }\n  - { name: c, system: x, terminal: true }\ntransitions:\n  - { from: a, to: [b, c] }\n  - { from: b, to: a }\n');
      expect(mainPath(loop)).toEqual(['a', 'b']);
      expect(loop.roles).toEqual({ confirmation: null, completion: null });
      expect(new ProcessModel('empty', [], new Map(), [], []).roles).toEqual({ confirmation: null, completion: null });
    });

    it('are declared by both shipped models', () => {
      expect(loadModelFile(DEFAULT_MODEL_PATH).roles).toEqual({ confirmation: 'confirmed', completion: 'shipped' });
      expect(loadModelFile(DEMO_MODEL_PATH).roles).toEqual({ confirmation: 'confirmed', completion: 'shipped' });
    });
  });

  it('answers for states it does not know: none, not terminal, no moves', () => {
    const m = loadModel(BASE);
    expect([m.hasState('placed'), m.hasState('billing'), m.isTerminal('billing'), m.allowed('billing', 'placed'), m.sloFor('placed')]).toEqual([true, false, false, false, undefined]);
  });

  it('keeps equal limits (lost at once when stuck), its SLOs, each with its own window, among the thresholds', () => {
    const m = loadModel(
      replace('expect_within: 10m, lost_after: 1h', 'expect_within: 10m, lost_after: 10m').replace('{ state: pricing, objective: 0.99, within: 10m }', '{ state: pricing, objective: 0.99, within: 20m }\n  - { state: placed, objective: 0.9 }'),
    );
    expect(m.slos).toEqual([
      { state: 'pricing', objective: 0.99, withinSeconds: 1200 },
      { state: 'placed', objective: 0.9, withinSeconds: 300 },
    ]);
    expect([m.sloFor('placed')?.objective, m.sloFor('pricing')?.objective]).toEqual([0.9, 0.99]);
    expect(m.thresholds()).toEqual([120, 300, 600, 1200, 1800]);
  });

  it('puts both ends of its histogram range among the buckets', () => {
    expect(loadModel(`${BASE}histogram: { from: 100s, to: 1000s }\n`).durationBuckets()).toEqual([100, 120, 250, 300, 500, 600, 1000, 1800, 3600]);
  });

  describe('redrive of a handoff', () => {
    const m = loadModel(`name: handoffs
states:
  - { name: placed, system: shop, redrive: { http: { url: "http://shop/{order_id}/again" } } }
  - { name: billing, system: erp }
  - { name: pricing, system: mes }
  - { name: review, system: crm }
  - { name: done, system: mes, terminal: true }
transitions:
  - { from: placed, to: [billing, pricing, review] }
  - { from: "*", to: done }
handoffs:
  - { from: placed, to: billing, within: 1m }
  - { from: placed, to: pricing, within: 1m, redrive: { http: { url: "http://mes/{order_id}/price" } } }
  - { from: placed, to: review, within: 1m, redrive: { http: { url: "http://crm/{order_id}/review" } } }
`);
    const urlOf = (handoffTo?: string | null) => {
      const found = m.redriveFor('placed', handoffTo);
      return found && [found.source, found.redrive.action.kind === 'http' ? found.redrive.action.url : ''];
    };

    it('is the one of the handoff the order missed, else the first handoff that has one, never one without', () => {
      expect(urlOf('review')).toEqual(['handoff placed -> review', 'http://crm/{order_id}/review']);
      expect(urlOf('billing')).toEqual(['handoff placed -> pricing', 'http://mes/{order_id}/price']);
      expect(urlOf(null)).toEqual(['handoff placed -> pricing', 'http://mes/{order_id}/price']);
      expect(m.redriveFor('billing')).toBeUndefined();
      expect(m.redriveFor('unknown')).toBeUndefined();
    });
  });

  it('titles a state by its label and name, or its name alone', () => {
    const m = loadModel(replace('{ name: placed, system: shop,', '{ name: placed, label: Order placed, system: shop,'));
    expect([stateTitle(m.state('placed')!), stateTitle(m.state('pricing')!)]).toEqual(['Order placed (placed)', 'pricing']);
  });

  it('rejects a file that is not a mapping', () => {
    expect(problemOf('- a\n- b\n')).toBe('the process model is invalid:\n  m.yaml:1: must be a mapping with name, states, transitions, handoffs and slos');
  });

  it('says which file it could not read', () => {
    expect(() => loadModelFile('/nonexistent/model.yaml')).toThrow(/^cannot read the process model \/nonexistent\/model\.yaml: ENOENT/);
  });

  it('ships a valid default pipeline and a valid short-SLA demo pipeline with the same states', () => {
    const main = loadModelFile(DEFAULT_MODEL_PATH);
    const demo = loadModelFile(DEMO_MODEL_PATH);
    expect(main.states.map((s) => s.name)).toEqual([
      'placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped', 'cancelled',
    ]);
    expect(demo.states.map((s) => s.name)).toEqual(main.states.map((s) => s.name));
    expect(Math.max(...demo.thresholds())).toBeLessThanOrEqual(60);
    expect(main.handoffs.map((h) => `${h.from}->${h.to}`)).toEqual(['quote_requested->pricing', 'quoted->assigned', 'confirmed->in_production']);
  });

  describe('redrives', () => {
    const withRedrives = replace('{ from: placed, to: pricing, within: 2m, via: RabbitMQ }', '{ from: placed, to: pricing, within: 2m, via: RabbitMQ, redrive: { http: { url: "http://shop:7410/orders/{order_id}/requote", token_env: SHOP_TOKEN }, auto: { attempts: 2, backoff: 5m } } }').replace(
      '{ name: pricing, system: mes, expect_within: 10m, lost_after: 1h }',
      '{ name: pricing, system: mes, expect_within: 10m, lost_after: 1h, redrive: { amqp: { routing_key: mes.pricing.redrive, url_env: MES_AMQP_URL } } }',
    );

    it('reads a handoff\'s and a state\'s redrive, and picks the handoff\'s first', () => {
      const m = loadModel(withRedrives);
      expect(m.redriveFor('placed', 'pricing')).toEqual({
        redrive: { action: { kind: 'http', method: 'POST', url: 'http://shop:7410/orders/{order_id}/requote', tokenEnv: 'SHOP_TOKEN' }, auto: { attempts: 2, backoffSeconds: 300 } },
        source: 'handoff placed -> pricing',
      });
      expect(m.redriveFor('pricing')).toEqual({
        redrive: { action: { kind: 'amqp', exchange: '', routingKey: 'mes.pricing.redrive', urlEnv: 'MES_AMQP_URL' }, auto: undefined },
        source: 'state pricing',
      });
      expect(m.redriveFor('done')).toBeUndefined();
    });

    it('says what is wrong with a redrive, line by line', () => {
      const bad = withRedrives
        .replace('url: "http://shop:7410/orders/{order_id}/requote", token_env: SHOP_TOKEN', 'url: "ftp://shop/{order}", token_env: "osk_secret", method: GET')
        .replace('auto: { attempts: 2, backoff: 5m }', 'auto: { attempts: 0 }')
        .replace('amqp: { routing_key: mes.pricing.redrive, url_env: MES_AMQP_URL }', 'amqp: { routing_key: mes.pricing.redrive }, http: { url: "http://x" }');
      expect(problemOf(bad)).toBe(
        [
          'the process model has 7 problems:',
          '  m.yaml:4: states[1].redrive: gives both http and amqp; a redrive is one action',
          '  m.yaml:12: handoffs[0].redrive.http.method: "GET" is not one of POST, PUT, PATCH',
          '  m.yaml:12: handoffs[0].redrive.http.url: {order} is not a placeholder (the placeholders are: {order_id}, {state})',
          '  m.yaml:12: handoffs[0].redrive.http.url: "ftp://shop/{order}" must be an http or https URL',
          '  m.yaml:12: handoffs[0].redrive.http.token_env: "osk_secret" must be the name of an environment variable (upper case letters, digits and "_"), not a token',
          '  m.yaml:12: handoffs[0].redrive.auto.attempts: "0" is not a whole number from 1 to 10',
          '  m.yaml:12: handoffs[0].redrive.auto.backoff: is required (how long to wait between attempts, e.g. 5m)',
        ].join('\n'),
      );
    });

    it('refuses a redrive on a terminal state', () => {
      expect(problemOf(BASE.replace('{ name: done, system: mes, terminal: true }', '{ name: done, system: mes, terminal: true, redrive: { http: { url: "http://x/{order_id}" } } }'))).toBe(
        'the process model is invalid:\n  m.yaml:5: states[2].redrive: a terminal state has no redrive: orders in it are done',
      );
    });
  });
});
