import { loadModel } from '../events';
import { dashboardFiles, DEFAULT_DASHBOARD_OPTIONS } from '.';

const model = loadModel(`name: imported
states:
  - { name: check, label: "T02 Check confirmation of receipt", system: crm }
  - { name: price, system: mes, expect_within: 1h, lost_after: 2h }
  - { name: done, system: mes, terminal: true }
transitions:
  - { from: check, to: price }
  - { from: price, to: done }
`);

describe('the time-in-state dashboard of a model with labels and observed-only states', () => {
  const json = dashboardFiles(model, DEFAULT_DASHBOARD_OPTIONS).find((f) => f.name === 'time-in-state.json')!.content;
  const dashboard = JSON.parse(json) as { panels: { type: string; title: string; panels?: unknown[]; targets?: { expr: string }[] }[] };
  const titles = dashboard.panels.map((p) => p.title);

  it('titles each state by its label and says which are observed only', () => {
    expect(titles).toContain('T02 Check confirmation of receipt (check) (crm): observed only');
    expect(titles).toContain('price (mes): SLA 1h, lost after 2h');
  });

  it('draws no SLA and no share within it where there is none', () => {
    expect(titles.filter((t) => t.includes('left within'))).toEqual(['price: left within the SLA (1h)']);
    const quantiles = dashboard.panels.find((p) => p.title === 'check: p50 / p90 / p99 against the SLA')!;
    expect(quantiles.targets!.map((t) => t.expr).filter((e) => e.startsWith('vector('))).toEqual([]);
  });
});
