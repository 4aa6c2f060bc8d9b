import { readFileSync } from 'node:fs';
import path from 'node:path';
import { labelValuesQuery, parseDashboard, substituteVariables, type QueryContext } from './panel-queries';

const context: QueryContext = { variables: { tracker_job: ['orderscope'], collector_job: ['a.b', 'c'], none: [], tracker_url: ['http://t:1'] }, rangeSeconds: 600, stepSeconds: 5, scrapeSeconds: 1 };

describe("the queries of a dashboard's panels, as Grafana sends them", () => {
  it('replaces the template variables: regex matchers get every value escaped, Grafana intervals their values', () => {
    expect(substituteVariables('sum(rate(x_total{job=~"$tracker_job"}[$__rate_interval]))', context)).toBe('sum(rate(x_total{job=~"orderscope"}[6s]))');
    expect(substituteVariables('increase(x_total{job=~"$collector_job"}[$__range])', context)).toBe('increase(x_total{job=~"(a\\\\.b|c)"}[600s])');
    expect(substituteVariables('up{job=~"$none"}', context)).toBe('up{job=~"$^"}');
    // $__rate_interval: four scrapes, or a step and a scrape when that is longer.
    expect(substituteVariables('[$__rate_interval]', { ...context, stepSeconds: 30 })).toBe('[31s]');
  });

  it('reads every panel and variable of a generated dashboard, collapsed rows included', () => {
    const dashboard = parseDashboard(readFileSync(path.join(__dirname, '..', 'generated', 'lost-orders.json'), 'utf8'));
    expect(dashboard.uid).toBe('orderscope-lost-orders');
    expect(dashboard.variables.map((v) => v.name)).toEqual(['datasource', 'tracker_job', 'collector_job', 'tracker_url']);
    expect(dashboard.panels.find((p) => p.title === 'Lost in the time range')?.queries).toEqual([{ refId: 'A', expr: 'sum(increase(orderscope_orders_lost_total{job=~"$tracker_job"}[$__range]))' }]);
    expect(dashboard.panels.find((p) => p.type === 'text')?.content).toContain('| after | must reach |');
    expect(parseDashboard(JSON.stringify({ uid: 'u', title: 't', panels: [{ type: 'row', panels: [{ id: 3, type: 'stat', title: 'in a collapsed row', targets: [{ refId: 'A', expr: 'up' }] }] }] })).panels).toEqual([
      { id: 3, type: 'stat', title: 'in a collapsed row', queries: [{ refId: 'A', expr: 'up' }] },
    ]);
  });

  it('recognises label_values(metric, label) variables', () => {
    expect(labelValuesQuery('label_values(orderscope_tracker_events_applied_total, job)')).toEqual({ metric: 'orderscope_tracker_events_applied_total', label: 'job' });
    expect(labelValuesQuery('query_result(up)')).toBeUndefined();
  });
});
