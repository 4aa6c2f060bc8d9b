/**
 * The dashboard generator: Grafana dashboards (overview, time in state, lost orders, pipeline
 * health) built with grafana-foundation-sdk from the process model and the services' metric
 * catalogues. Output: dashboards/generated/*.json (`orderscope generate`).
 */
export { dashboardFiles } from './generate';
export { DEFAULT_DASHBOARD_OPTIONS } from './options';
export type { DashboardOptions } from './options';
export { DASHBOARD_UIDS } from './uids';
