import { parse } from 'yaml';
import { DEMO_MODEL_PATH, loadModel, loadModelFile, type ProcessModel } from '../events';
import { alertFiles, ALERT_FILES, DEMO_ALERT_OPTIONS } from '.';
import { leMatcher, leValue, openMetricsLeValue, selector } from './promql';
import { boundsSelectedOnBoth, leMatchersIn, selects } from './test/le-spellings';

/** Thresholds from half a second to two weeks: both of Go's notations for a bucket bound. */
const WIDE_MODEL = loadModel(`name: wide
states:
  - { name: packing, system: mes, expect_within: 500ms, lost_after: 1m }
  - { name: producing, system: mes, expect_within: 14d, lost_after: 30d }
  - { name: done, system: mes, terminal: true }
transitions:
  - { from: packing, to: producing }
  - { from: producing, to: done }
slos:
  - { state: packing, objective: 0.99, within: 500ms }
  - { state: producing, objective: 0.9, within: 14d }
`);

describe('a bucket bound as Prometheus 3 stores it', () => {
  it.each([
    [300, '300.0'],
    [1, '1.0'],
    [0.5, '0.5'],
    [86_400, '86400.0'],
    [123_456, '123456.0'],
    [1_000_000, '1e+06'],
    [1_209_600, '1.2096e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [Infinity, '+Inf'],
  ])('%s is written "%s" (OpenMetrics float: Go\'s shortest %%g, ".0" added to a whole number)', (bound, stored) => {
    expect(openMetricsLeValue(bound)).toBe(stored);
  });
});

describe('the le matcher of a bucket', () => {
  it('matches "300" (Prometheus 2, as prom-client writes it) and "300.0" (Prometheus 3), and no other bucket', () => {
    const m = leMatcher(300);
    expect(m).toEqual({ re: '300|300\\.0' });
    expect(selector('x_bucket', { le: m })).toBe('x_bucket{le=~"300|300\\\\.0"}');
    const [parsed] = leMatchersIn(selector('x_bucket', { le: m }));
    expect(['300', '300.0', '3000', '30', '300.5', '300x0', '+Inf'].filter((le) => selects(parsed!, le))).toEqual(['300', '300.0']);
  });

  it('is the plain value where both majors write the bound alike', () => {
    expect(leMatcher(0.5)).toBe('0.5');
  });

  it.each([0.5, 1, 7.5, 300, 900, 86_400, 1_209_600, 2_592_000, 0.00001])('selects %s on Prometheus 2 and 3, and only it', (bound) => {
    const [m] = leMatchersIn(selector('x_bucket', { le: leMatcher(bound) }));
    expect(selects(m!, leValue(bound))).toBe(true);
    expect(selects(m!, openMetricsLeValue(bound))).toBe(true);
    for (const other of [bound * 10, bound / 10, bound + 1]) {
      expect([selects(m!, leValue(other)), selects(m!, openMetricsLeValue(other))]).toEqual([false, false]);
    }
  });
});

describe('every bucket the generated rules select', () => {
  const models: [string, ProcessModel, object][] = [
    ['default', loadModelFile(), {}],
    ['demo', loadModelFile(DEMO_MODEL_PATH), DEMO_ALERT_OPTIONS],
    ['wide (500ms to 14d)', WIDE_MODEL, {}],
  ];

  it.each(models)('is found on Prometheus 2 and on Prometheus 3, for the %s model', (_name, model, options) => {
    const rules = alertFiles(model, options).find((f) => f.name === ALERT_FILES.rules)!;
    const exprs = (parse(rules.content) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr));
    const matchers = exprs.flatMap(leMatchersIn);
    // The bucket of each SLO threshold, in its error ratio over each window.
    expect(new Set(matchers.map((m) => m.value)).size).toBe(new Set(model.slos.map((s) => s.withinSeconds)).size);
    for (const m of matchers) expect([m, boundsSelectedOnBoth(model, m).length]).toEqual([m, 1]);
  });
});
