/**
 * The alert generator: Prometheus alerting and recording rules, their promtool unit tests and the
 * Alertmanager configuration, from the process model and the services' metric catalogues. Output:
 * alerts/generated/ (`orderscope generate`); runbook: alerts/README.md.
 */
export { alertFiles, ALERT_FILES } from './generate';
export type { OutputFile } from './generate';
export { absoluteUrlProblem, DEFAULT_ALERT_OPTIONS, DEFAULT_RUNBOOK_URL, DEMO_ALERT_OPTIONS, SRE_WORKBOOK_TIERS, resolveAlertOptions } from './options';
export type { AlertOptions, BurnRateTier, Severity } from './options';
export { ALERT_NAMES } from './rules/types';
export { METRICS } from './metric-names';
export { metricNamesIn } from './catalogue/promql-names';
export { serviceMetricCatalogue, unknownMetrics, describeUnknownMetrics, PROMETHEUS_SERIES } from './catalogue/metric-catalogue';
export type { MetricCatalogue, CatalogueMetric, CatalogueService, UnknownMetric } from './catalogue/metric-catalogue';
export { selector, leMatcher, promDuration, quote } from './promql';
export type { Matcher } from './promql';
export { orderAlertLabels, orderLostAnnotations } from './rules/order-alerts';
