import type { Command } from 'commander';
import { ConfigError } from '../../common';
import { LOG_FORMATS, type LogFormat, type LogReading } from '../import/import-log';
import { isTimeZone } from '../import/log-time';

/** The flags of the commands that read an event log (import, model discover), as commander gives them. */
export interface LogReadingFlags {
  format?: string;
  caseColumn?: string;
  activityColumn?: string;
  timestampColumn?: string;
  resourceColumn?: string;
  sourceColumn?: string;
  attribute: Record<string, string>;
  delimiter?: string;
  timeZone?: string;
  source?: string;
}

/** Adds the flags that say how to read an event log: one definition for every command that reads one. */
export function withLogReadingOptions(command: Command): Command {
  return command
    .option('--format <format>', `${LOG_FORMATS.join(' | ')} (default: from the file name)`)
    .option('--case-column <name>', 'the column (XES: the trace attribute) holding the case id, which becomes the order id (default: case:concept:name, case_id, case)')
    .option('--activity-column <name>', 'the column (XES: event attribute) holding the activity, which becomes the state (default: concept:name, activity)')
    .option('--timestamp-column <name>', 'the column (XES: event attribute) holding the time (default: time:timestamp, timestamp)')
    .option('--resource-column <name>', 'the column holding who did it, kept as attribute operator_id (default: org:resource, resource, if present)')
    .option('--source-column <name>', 'the column naming the system that emitted each event, which owns the state (default: every event has --source)')
    .option('--attribute <column[=name]>', 'also keep this column as an attribute (repeat for more); "=name" renames it', collectAttribute, {})
    .option('--delimiter <char>', 'CSV field delimiter', ',')
    .option('--time-zone <zone>', 'the zone of timestamps written without an offset, e.g. Europe/Amsterdam or UTC')
    .option('--source <name>', 'the source of events whose row names none', 'import');
}

/** The log reading the flags ask for, or a ConfigError naming the flag that is wrong. */
export function logReadingOf(opts: LogReadingFlags): LogReading {
  if (opts.format !== undefined && !(LOG_FORMATS as readonly string[]).includes(opts.format)) throw new ConfigError(`--format ${opts.format}: write csv or xes`);
  if (opts.timeZone !== undefined && !isTimeZone(opts.timeZone)) throw new ConfigError(`--time-zone ${opts.timeZone}: not a time zone; write an IANA name such as Europe/Amsterdam, or UTC`);
  return {
    ...(opts.format !== undefined && { format: opts.format as LogFormat }),
    caseId: opts.caseColumn,
    activity: opts.activityColumn,
    timestamp: opts.timestampColumn,
    resource: opts.resourceColumn,
    sourceColumn: opts.sourceColumn,
    attributes: opts.attribute,
    delimiter: opts.delimiter,
    timeZone: opts.timeZone,
    source: opts.source,
  };
}

function collectAttribute(value: string, all: Record<string, string>): Record<string, string> {
  const [column, name] = value.includes('=') ? [value.slice(0, value.lastIndexOf('=')), value.slice(value.lastIndexOf('=') + 1)] : [value, value.replace(/:/g, '.')];
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new ConfigError(`--attribute ${value}: "${name}" cannot be an attribute name; rename it with ${column}=a_name (letters, digits, "_", "." or "-")`);
  return { ...all, [column]: name };
}
