import { loadModel, loadModelFile, DEMO_MODEL_PATH, DEFAULT_MODEL_PATH } from './model';
import { ConfigError } from '../common/errors';

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
