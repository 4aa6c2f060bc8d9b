import path from 'node:path';
import type { Command } from 'commander';
import { CollectorClient } from '../../collector/client';
import { loadConfig } from '../../common';
import { ConfigError } from '../../common/errors';
import { DEFAULT_MODEL_PATH, loadModelFile, type ProcessModel } from '../../events';
import { migrate, openPglite, openPostgres, type Db } from '../../tracker';
import { byteProgress } from '../byte-progress';
import { checkDataDirModel, databaseOpenError, dataDirError, takeDataDir } from '../data-dir';
import { importLog, LOG_FORMATS, type LogFormat } from '../import/import-log';
import { isTimeZone } from '../import/log-time';
import { storeSink } from '../import/store-sink';
import { formatSummary, type EventSink } from '../send-batches';
import { checkReadableFile, collectorHint, parsePositive } from './replay';

interface ImportFlags {
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
  model?: string;
  collector?: string;
  token?: string;
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  batchSize: number;
  concurrency?: number;
}

/** `orderscope import FILE`: a CSV or XES event log into a collector or straight into the store. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import an event log (CSV or XES, plain or .gz) as order events: into the embedded data directory, a PostgreSQL database, or a collector.')
    .argument('<file>', 'the log: .csv, .xes, .csv.gz or .xes.gz')
    .option('--format <format>', `${LOG_FORMATS.join(' | ')} (default: from the file name)`)
    .option('--case-column <name>', 'the column (XES: the trace attribute) holding the case id, which becomes the order id (default: case:concept:name, case_id, case)')
    .option('--activity-column <name>', 'the column (XES: event attribute) holding the activity, which becomes the state (default: concept:name, activity)')
    .option('--timestamp-column <name>', 'the column (XES: event attribute) holding the time (default: time:timestamp, timestamp)')
    .option('--resource-column <name>', 'the column holding who did it, kept as attribute operator_id (default: org:resource, resource, if present)')
    .option('--source-column <name>', 'the column naming the system that emitted each event (default: every event has --source)')
    .option('--attribute <column[=name]>', 'also keep this column as an attribute (repeat for more); "=name" renames it', collectAttribute, {})
    .option('--delimiter <char>', 'CSV field delimiter', ',')
    .option('--time-zone <zone>', 'the zone of timestamps written without an offset, e.g. Europe/Amsterdam or UTC')
    .option('--source <name>', 'the source of events whose row names none', 'import')
    .option('-m, --model <file>', 'map activities to this model\'s states by name, label or alias (required into the store; default there: model.file of the config, else the default model)')
    .option('--collector <url>', 'post to this collector instead of writing the store, e.g. http://127.0.0.1:7400 (with --token)')
    .option('--token <token>', 'with --collector: an ingest token (default: $ORDERSCOPE_TOKEN)')
    .option('-d, --data-dir <dir>', 'write the embedded data directory of orderscope up, which must not be running (default: .orderscope)')
    .option('--database-url <url>', 'write this PostgreSQL database instead')
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .option('--batch-size <n>', 'events per batch', parsePositive, 500)
    .option('--concurrency <n>', 'batches in flight at once (default: 4 to a collector, 1 into the store)', parsePositive)
    .addHelpText(
      'after',
      `
Each row (CSV) or event (XES) becomes an order event: the case is the order, the activity the state it
enters (with --model, the state whose name, label or alias it is; without, a name made from it, the
activity kept as attribute "activity", which model discover turns into the state's label), the
timestamp its occurred_at. Events of a case with the same timestamp keep the order of the file (seq).
Event ids are derived from the file's content: importing the same file twice changes nothing.
A bad row is reported with its line and skipped; the rest is imported. The file is streamed.

Examples:
  orderscope import orders.csv --model model.yaml
  orderscope import BPI_Challenge_2012.xes.gz --model model.yaml --data-dir .orderscope
  orderscope import orders.csv --case-column "Order" --activity-column "Step" --timestamp-column "When" --time-zone Europe/Amsterdam --collector http://127.0.0.1:7400 --token "$(cat .orderscope/token)"`,
    )
    .action(async (file: string, opts: ImportFlags) => {
      checkReadableFile(file, 'import', 'an event log (.csv or .xes)');
      if (opts.format !== undefined && !(LOG_FORMATS as readonly string[]).includes(opts.format)) throw new ConfigError(`--format ${opts.format}: write csv or xes`);
      if (opts.timeZone !== undefined && !isTimeZone(opts.timeZone)) throw new ConfigError(`--time-zone ${opts.timeZone}: not a time zone; write an IANA name such as Europe/Amsterdam, or UTC`);
      const targets = [opts.collector !== undefined && '--collector', opts.dataDir !== undefined && '--data-dir', opts.databaseUrl !== undefined && '--database-url'].filter(Boolean);
      if (targets.length > 1) throw new ConfigError(`give one of ${targets.join(', ')}: where the events go`);
      const config = loadConfig({ file: opts.config });
      const modelFile = opts.model ?? (opts.collector === undefined ? config.model.file || DEFAULT_MODEL_PATH : undefined);
      const model = modelFile === undefined ? undefined : loadModelFile(modelFile);
      const target = await openTarget(opts, model, config.embedded.dataDir);
      const bar = byteProgress('import');
      try {
        const summary = await importLog({
          file,
          sink: target.sink,
          model,
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
          batchSize: opts.batchSize,
          concurrency: opts.concurrency ?? (opts.collector === undefined ? 1 : 4),
          onProgress: bar.update,
        });
        bar.stop();
        console.log(`${formatSummary(summary)}\n${target.where}`);
        if (summary.rejected > 0) process.exitCode = 2;
      } catch (err) {
        bar.stop();
        throw collectorHint(err, 'import');
      } finally {
        await target.close();
      }
    });
}

interface Target {
  readonly sink: EventSink;
  /** Where the events went, for the last line of the summary. */
  readonly where: string;
  readonly close: () => Promise<void>;
}

async function openTarget(opts: ImportFlags, model: ProcessModel | undefined, defaultDataDir: string): Promise<Target> {
  if (opts.collector !== undefined) {
    const token = opts.token ?? process.env.ORDERSCOPE_TOKEN;
    if (!token) throw new ConfigError('no token: pass --token or set ORDERSCOPE_TOKEN (with orderscope up: --token "$(cat .orderscope/token)")');
    return { sink: new CollectorClient({ url: opts.collector, token }), where: `posted to ${opts.collector}`, close: async () => undefined };
  }
  if (opts.databaseUrl !== undefined) return storeTarget(openPostgres({ url: opts.databaseUrl, poolSize: 2 }), model!, 'written to PostgreSQL', async () => undefined);
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir);
  // PGlite files are one process's: `up` on the same directory would corrupt them, hence its lock.
  const release = takeDataDir(dataDir);
  try {
    checkDataDirModel(dataDir, model!.name);
  } catch (err) {
    release();
    throw dataDirError(dataDir, err);
  }
  const pgdata = path.join(dataDir, 'pgdata');
  const db = await openPglite(pgdata).catch((err: unknown) => {
    release();
    throw databaseOpenError(dataDir, pgdata, err);
  });
  return storeTarget(db, model!, `written to ${dataDir}; start it with: orderscope up --data-dir ${path.relative(process.cwd(), dataDir) || '.'} --model <the same model>`, async () => release());
}

async function storeTarget(db: Db, model: ProcessModel, where: string, after: () => Promise<void>): Promise<Target> {
  const close = async () => {
    await db.close();
    await after();
  };
  try {
    await migrate(db);
  } catch (err) {
    await close();
    throw err;
  }
  return { sink: storeSink(db, model), where, close };
}

function collectAttribute(value: string, all: Record<string, string>): Record<string, string> {
  const [column, name] = value.includes('=') ? [value.slice(0, value.lastIndexOf('=')), value.slice(value.lastIndexOf('=') + 1)] : [value, value.replace(/:/g, '.')];
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new ConfigError(`--attribute ${value}: "${name}" cannot be an attribute name; rename it with ${column}=a_name (letters, digits, "_", "." or "-")`);
  return { ...all, [column]: name };
}
