import { ValidationError, queryReader } from '../../common';
import type { Micros } from '../timeline';
import { parsePeriod, type Period } from './period';
import { STAYS_COUNTED, type StaysCounted } from './types';
import { GROUP_BYS, type GroupBy } from './views';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What a report request asks for, read from its query string. */
export interface ReportRequest {
  readonly period: Period;
  readonly format: ReportFormat;
  /** The view of a CSV (default state) or a JSON (default: the whole report). */
  readonly groupBy: GroupBy | undefined;
  /** Whether from or to was given: without either, the caller may pick {@link defaultPeriod} from the data. */
  readonly periodGiven: boolean;
  /** Which stays time in state counts (`stays`: closed_and_open by default, or closed). */
  readonly staysCounted: StaysCounted;
  /** `exact=true`: every figure from the stays and orders of the period, not from the daily rollups. */
  readonly exact: boolean;
}

const PARAMETERS = ['from', 'to', 'group_by', 'format', 'stays', 'exact'];

/**
 * Reads what a report is asked for: `from`, `to` (see {@link parsePeriod}), `group_by` (a view: state,
 * segment, operator, day; not with html, which shows them all), `format` (json by default), `stays`
 * and `exact` (true or false, default false: whole days from the rollups). Anything
 * else, a repeated parameter, text PostgreSQL cannot store or a bad value is a ValidationError whose
 * message says what to write instead (see {@link queryReader}). The API's query string and the CLI's
 * options both go through here, so both answer the same words.
 */
export function parseReportQuery(query: Record<string, unknown>, now: Micros): ReportRequest {
  const text = queryReader(query, PARAMETERS);
  const format = text('format') ?? 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new ValidationError(`format: "${format}" is not a report format (one of: ${REPORT_FORMATS.join(', ')})`);
  const groupBy = text('group_by');
  if (groupBy !== undefined && !(GROUP_BYS as readonly string[]).includes(groupBy)) {
    throw new ValidationError(`group_by: "${groupBy}" is not a view of the report (one of: ${GROUP_BYS.join(', ')})`);
  }
  if (groupBy !== undefined && format === 'html') {
    throw new ValidationError('group_by: the HTML report shows every view; leave group_by out, or ask for format=csv or format=json');
  }
  const stays = text('stays') ?? 'closed_and_open';
  if (!(STAYS_COUNTED as readonly string[]).includes(stays)) {
    throw new ValidationError(`stays: "${stays}" is not a choice of stays (closed: only stays that ended in the period; closed_and_open: also the ones orders are still in)`);
  }
  const exact = text('exact') ?? 'false';
  if (exact !== 'true' && exact !== 'false') {
    throw new ValidationError(`exact: "${exact}" is not true or false (true: every figure from the stays of the period, exact percentiles; false: whole days from the daily rollups, percentiles within 1 %)`);
  }
  return {
    staysCounted: stays as StaysCounted,
    exact: exact === 'true',
    periodGiven: text('from') !== undefined || text('to') !== undefined,
    period: parsePeriod({ from: text('from'), to: text('to') }, now),
    format: format as ReportFormat,
    groupBy: (groupBy as GroupBy | undefined) ?? (format === 'csv' ? 'state' : undefined),
  };
}
