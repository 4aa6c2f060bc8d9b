import { parse } from 'csv-parse';
import { ValidationError } from '../../common';
import type { LogFields, LogRecord } from './log-record';

/** Which CSV column holds what, and how fields are delimited. */
export interface CsvColumns extends LogFields {
  readonly delimiter?: string | undefined;
}

/**
 * The header names looked for when a column is not named, first match wins (case-insensitive): the
 * XES names that process-mining tools export (pm4py, ProM, Disco, Celonis) first, then plain ones.
 */
export const DEFAULT_COLUMNS = {
  caseId: ['case:concept:name', 'case_id', 'case id', 'caseid', 'case'],
  activity: ['concept:name', 'activity', 'activity name', 'event'],
  timestamp: ['time:timestamp', 'timestamp', 'complete timestamp', 'time'],
  resource: ['org:resource', 'resource', 'user'],
} as const;

/**
 * Reads a CSV event log as it streams (the parser holds one record at a time): the first row names
 * the columns, each further row is one event. A row with a different number of fields than the
 * header is reported by its line and skipped; a file that is not CSV at all (an unclosed quote)
 * stops the import with the line where it went wrong, after what came before was sent.
 */
export async function* readCsvLog(input: NodeJS.ReadableStream, columns: CsvColumns = {}): AsyncGenerator<LogRecord | { line: number; error: string }> {
  const parser = input.pipe(
    parse({ bom: true, delimiter: columns.delimiter ?? ',', info: true, relax_column_count: true, skip_empty_lines: true, trim: false }),
  );
  let header: Header | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = headerOf(record, columns);
        continue;
      }
      const line = info.lines;
      if (record.length !== header.width) {
        yield { line, error: `row: has ${record.length} fields where the header has ${header.width}; check its quotes and delimiters (--delimiter)` };
        continue;
      }
      const attributes: Record<string, string> = {};
      for (const [index, name] of header.attributes) if (record[index] !== '') attributes[name] = record[index]!;
      yield {
        line,
        caseId: record[header.caseId]!,
        activity: record[header.activity]!,
        timestamp: record[header.timestamp]!,
        resource: header.resource === undefined ? undefined : record[header.resource],
        source: header.source === undefined ? undefined : record[header.source],
        attributes,
      };
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    const e = err as Error & { lines?: number };
    throw new ValidationError(`the file is not valid CSV at line ${e.lines ?? '?'}: ${e.message}`, err);
  }
  if (!header) throw new ValidationError('the file is empty: a CSV event log starts with a header row naming its columns');
}

interface Header {
  readonly width: number;
  readonly caseId: number;
  readonly activity: number;
  readonly timestamp: number;
  readonly resource: number | undefined;
  readonly source: number | undefined;
  readonly attributes: readonly (readonly [number, string])[];
}

function headerOf(names: readonly string[], columns: CsvColumns): Header {
  const lower = names.map((n) => n.trim().toLowerCase());
  const find = (what: string, flag: string, given: string | undefined, defaults: readonly string[] | undefined): number | undefined => {
    if (given !== undefined) {
      const i = lower.indexOf(given.trim().toLowerCase());
      if (i < 0) throw new ValidationError(`${flag} "${given}": the header has no such column (it has: ${names.join(', ')})`);
      return i;
    }
    for (const d of defaults ?? []) {
      const i = lower.indexOf(d);
      if (i >= 0) return i;
    }
    if (defaults && what !== 'resource') {
      throw new ValidationError(`no ${what} column: the header has none of ${defaults.join(', ')}; name it with ${flag} (the header has: ${names.join(', ')})`);
    }
    return undefined;
  };
  const attributes = Object.entries(columns.attributes ?? {}).map(([column, name]) => [find('attribute', '--attribute', column, undefined)!, name] as const);
  return {
    width: names.length,
    caseId: find('case id', '--case-column', columns.caseId, DEFAULT_COLUMNS.caseId)!,
    activity: find('activity', '--activity-column', columns.activity, DEFAULT_COLUMNS.activity)!,
    timestamp: find('timestamp', '--timestamp-column', columns.timestamp, DEFAULT_COLUMNS.timestamp)!,
    resource: find('resource', '--resource-column', columns.resource, DEFAULT_COLUMNS.resource),
    source: columns.source === undefined ? undefined : find('source', '--source-column', columns.source, undefined),
    attributes,
  };
}
