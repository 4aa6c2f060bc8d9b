/**
 * Order-latency reports for managers: per period, time in each state against its SLA, lead time,
 * daily trend, lost and slowest orders, segments and operators; as JSON, CSV (one view per
 * `group_by`) or a self-contained HTML page with charts. Whole UTC days are read from the daily
 * rollups (tracker/rollups; percentiles within 1 %), or everything from the raw rows with `exact`
 * (percentile_cont computed by PostgreSQL); the report says which.
 *
 * `buildLatencyReport(readDb, model, period, { now })` reads it in one read-only transaction; the
 * renderers are pure functions of the result.
 */
export { buildLatencyReport } from './build-report';
export type { BuildReportOptions } from './build-report';
export { assembleReport, histogram } from './assemble';
export type { ReportRows, ReportContext } from './assemble';
export { newestStateSince } from './queries';
export { parsePeriod, defaultPeriod, mondayOf, weekOf, utcDay, daysOf, DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS } from './period';
export type { Period } from './period';
export { reportStates, confirmationState } from './report-states';
export type { ReportStates } from './report-states';
export { GROUP_BYS, reportTable } from './views';
export { parseReportQuery, REPORT_FORMATS } from './report-request';
export type { ReportRequest, ReportFormat } from './report-request';
export type { GroupBy, ReportTable } from './views';
export { toCsv } from './csv';
export type { CsvValue } from './csv';
export { renderJson, parseReportJson } from './render-json';
export { renderCsv } from './render-csv';
export { renderHtml, describePeriod, describeLoss, binPosition } from './render-html';
export type { HtmlReportOptions, LossFacts } from './render-html';
export { highlights } from './highlights';
export { reportFileName } from './file-name';
export { DURATION_LADDER, durationTicks, countTicks } from './duration-ladder';
export { snakeKeys, camelKeys } from './json-keys';
export * from './types';
