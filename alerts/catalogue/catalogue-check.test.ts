import { Registry } from 'prom-client';
import { collectProcessMetrics } from '../../common';
import { loadModelFile } from '../../events';
import { METRICS } from '../metric-names';
import { resolveAlertOptions } from '../options';
import { leValue } from '../promql';
import { ruleGroups } from '../rules/rule-file';
import { isAlertingRule, type RuleContext } from '../rules/types';
import { expectAllDeclared } from '../test/catalogue-expect';
import { serviceRegistries, type ServiceRegistry } from '../test/service-registries';
import { serviceMetricCatalogue, unknownMetrics, type CatalogueService } from './metric-catalogue';

const model = loadModelFile();
const ctx: RuleContext = { model, options: resolveAlertOptions(model) };
const catalogue = serviceMetricCatalogue();
let registries: Record<CatalogueService, ServiceRegistry>;

beforeAll(async () => {
  registries = await serviceRegistries(model);
});

/** The samples of one metric in a text exposition, with their labels. */
function samples(exposition: string, name: string): Record<string, string>[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => Object.fromEntries([...line.slice(name.length + 1, line.indexOf('}')).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])));
}

describe('the metric catalogue', () => {
  it("is read from the services' own catalogues, each metric with its type and help", () => {
    const byName = new Map(catalogue.metrics.map((m) => [m.name, m]));
    expect(byName.get(METRICS.eventsAccepted)).toMatchObject({ service: 'collector', type: 'counter' });
    expect(byName.get(METRICS.stateDuration)).toMatchObject({ service: 'tracker', type: 'histogram' });
    expect(byName.get(METRICS.busDropped)).toMatchObject({ service: 'bus', type: 'counter' });
    expect(catalogue.metrics.every((m) => m.help.length > 0)).toBe(true);
  });

  it('lists the series a histogram gives Prometheus: _bucket, _sum and _count', () => {
    for (const suffix of ['_bucket', '_sum', '_count']) expect(catalogue.seriesNames.has(`${METRICS.stateDuration}${suffix}`)).toBe(true);
    expect(catalogue.seriesNames.has(METRICS.stateDuration)).toBe(false);
  });

  it('declares exactly what each service registers, with the same type and help, besides the process metrics', async () => {
    const processMetrics = new Registry();
    collectProcessMetrics(processMetrics);
    const ofProcess = new Set((await processMetrics.getMetricsAsJSON()).map((m) => m.name));
    const byName = (metrics: readonly { name: string }[]) => [...metrics].sort((a, b) => a.name.localeCompare(b.name));
    for (const service of ['collector', 'tracker', 'bus'] as const) {
      const registered = registries[service].metrics.filter((m) => !ofProcess.has(m.name));
      const declared = catalogue.metrics.filter((m) => m.service === service).map(({ name, type, help }) => ({ name, type, help }));
      expect(byName(declared)).toEqual(byName(registered));
    }
  });
});

describe('the catalogue check', () => {
  it('knows histogram series, Prometheus\' own series and recorded names, and names each unknown metric with where it is used', () => {
    const uses = [
      { where: 'rule A', expr: 'histogram_quantile(0.9, sum by (le) (rate(orderscope_order_state_duration_seconds_bucket[5m]))) > on () (max(up) * 0)' },
      { where: 'rule B', expr: 'state:recorded:ratio > 0 and orderscope_nope_total > 0' },
      { where: 'panel C', expr: 'rate(orderscope_nope_total[$__rate_interval]) + orderscope_other' },
    ];
    expect(unknownMetrics(uses, catalogue, ['state:recorded:ratio'])).toEqual([
      { name: 'orderscope_nope_total', usedIn: ['panel C', 'rule B'] },
      { name: 'orderscope_other', usedIn: ['panel C'] },
    ]);
  });
});

describe('the alert rules against the metric catalogue', () => {
  const groups = ruleGroups(ctx);

  it('read only metrics a service declares, or that the rule file records itself', () => {
    const uses = groups.flatMap((g) =>
      g.rules.map((r) => ({ where: isAlertingRule(r) ? `alert ${r.alert}` : `record ${r.record}`, expr: r.expr })),
    );
    const recorded = groups.flatMap((g) => g.rules.flatMap((r) => (isAlertingRule(r) ? [] : [r.record])));
    expectAllDeclared(unknownMetrics(uses, catalogue, recorded));
  });

  it("match a bucket the tracker exports from its start for every SLO, with le written as the tracker writes it", () => {
    const buckets = samples(registries.tracker.exposition, `${METRICS.stateDuration}_bucket`);
    for (const slo of model.slos) {
      expect(buckets).toContainEqual({ le: leValue(slo.withinSeconds), state: slo.state });
    }
  });

  it('find the dead-letter counter that OrderEventsDeadLettered sums by reason exported from the start, at 0, for every reason', () => {
    // increase() cannot see a counter's first step: a reason whose series appeared with its first
    // dead letter would never open a ticket for it.
    const lines = registries.tracker.exposition.split('\n').filter((line) => line.startsWith(`${METRICS.deadLetters}{`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.endsWith('} 0'))).toBe(true);
    const reasons = samples(registries.tracker.exposition, METRICS.deadLetters).map((labels) => {
      expect(Object.keys(labels)).toEqual(['reason']);
      return labels.reason;
    });
    // The reasons the promtool tests feed (rule-tests/pipeline-tests.ts).
    expect(reasons).toEqual(expect.arrayContaining(['not_json', 'data_exception', 'constraint_violation', 'apply_failed']));
  });
});
