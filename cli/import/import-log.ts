import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../common';
import type { ProcessModel } from '../../events';
import { sendFileInBatches, type EventSink, type ReadItem, type SendSummary } from '../send-batches';
import { readCsvLog, type CsvColumns } from './csv-log';
import { nameOf, RecordConverter, type LogRecord, type RecordMapping } from './log-record';
import { readXesLog } from './xes-log';

export const LOG_FORMATS = ['csv', 'xes'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where the columns (CSV) or attribute keys (XES) of the log are, and how to read its times. */
export interface LogReading extends CsvColumns {
  /** csv or xes; by default from the file name (.csv, .xes, either with .gz). */
  readonly format?: LogFormat | undefined;
  /** The zone of timestamps written without an offset. */
  readonly timeZone?: string | undefined;
  /** The source of events whose row names none (default "import"). */
  readonly source?: string | undefined;
  /** Which column names each event's source; its values become names ("Sales Dept" -> sales_dept). */
  readonly sourceColumn?: string | undefined;
}

export interface ImportOptions extends LogReading {
  readonly file: string;
  readonly sink: EventSink;
  /** Map activities to the model's states (by name, label or alias); without one, each activity is a state of its own name. */
  readonly model?: ProcessModel | undefined;
  readonly batchSize?: number;
  readonly concurrency?: number;
  /** Called with bytes of the file read so far and its size, for a progress bar. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Imports a CSV or XES event log (plain or gzipped) into a sink (a collector, or the store), in
 * batches, as it streams: a file of any size is never held in memory. See {@link RecordConverter} for
 * why a second import of the same file changes nothing.
 */
export async function importLog(options: ImportOptions): Promise<SendSummary> {
  return sendFileInBatches(options, (raw) => logEvents(raw, options));
}

/** The order events of a log file's stream, numbered by line. */
export async function* logEvents(raw: NodeJS.ReadableStream, options: Omit<ImportOptions, 'sink'>): AsyncGenerator<ReadItem> {
  const format = options.format ?? formatOf(options.file);
  const text = options.file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  text.setEncoding('utf8');
  const converter = new RecordConverter(mappingOf(options));
  const columns = { ...options, source: options.sourceColumn };
  const records = format === 'csv' ? readCsvLog(text, columns) : readXesLog(text as AsyncIterable<string>, columns);
  for await (const record of records) yield 'error' in record ? record : converter.convert(record as LogRecord);
}

/** The format a file name says: events.csv, events.xes, events.xes.gz. */
export function formatOf(file: string): LogFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.xes')) return 'xes';
  throw new ConfigError(`cannot tell the format of ${file} from its name: pass --format csv or --format xes (or name it .csv, .xes, .csv.gz or .xes.gz)`);
}

function mappingOf(options: Omit<ImportOptions, 'sink'>): RecordMapping {
  const model = options.model;
  return {
    source: nameOf(options.source ?? 'import'),
    timeZone: options.timeZone,
    stateOf: (activity) => {
      if (!model) return { state: nameOf(activity) };
      const state = model.stateFor(activity);
      return state
        ? { state: state.name }
        : { error: `"${activity}" is not a state of model "${model.name}" (by name, label or alias); add it to a state's aliases, or discover the model from this log (orderscope model discover)` };
    },
  };
}
