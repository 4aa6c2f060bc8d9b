import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { OutputFile } from '../alerts';
import type { ProcessModel } from '../events';
import { lostOrdersDashboard } from './lost-orders';
import { DEFAULT_DASHBOARD_OPTIONS, type DashboardOptions } from './options';
import { overviewDashboard } from './overview';
import { renderDashboard } from './panels';
import { pipelineHealthDashboard } from './pipeline-health';
import { timeInStateDashboard } from './time-in-state';

/** Each dashboard's file name (in dashboards/generated/) and builder. */
const DASHBOARDS: readonly [string, (model: ProcessModel, options: DashboardOptions) => DashboardBuilder][] = [
  ['overview.json', overviewDashboard],
  ['time-in-state.json', timeInStateDashboard],
  ['lost-orders.json', lostOrdersDashboard],
  ['pipeline-health.json', pipelineHealthDashboard],
];

/**
 * The Grafana dashboards for `model`, as deterministic JSON (Grafana's dashboard model, importable
 * or provisionable as is). Pure: the same model and options always give the same bytes.
 */
export function dashboardFiles(model: ProcessModel, overrides: Partial<DashboardOptions> = {}): OutputFile[] {
  const options = { ...DEFAULT_DASHBOARD_OPTIONS, ...overrides };
  return DASHBOARDS.map(([name, build]) => ({ name, content: renderDashboard(build(model, options)) }));
}
