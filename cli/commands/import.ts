import path from 'node:path';
import type { Command } from 'commander';
import { CollectorClient } from '../../agents/shared';
import { loadConfig, ConfigError } from '../../common';
import { DEFAULT_MODEL_PATH, loadModelFile, type ProcessModel } from '../../events';
import { byteProgress } from '../byte-progress';
import { openStore } from '../open-store';
import { importLog } from '../import/import-log';
import { storeSink } from '../import/store-sink';
import { formatSummary, type EventSink } from '../send-batches';
import { logReadingOf, withLogReadingOptions, type LogReadingFlags } from './log-reading-options';
import { checkReadableFile, collectorHint, parsePositive } from './replay';

interface ImportFlags extends LogReadingFlags {
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
  withLogReadingOptions(
    program
      .command('import')
      .description('Import an event log (CSV or XES, plain or .gz) as order events: into the embedded data directory, a PostgreSQL database, or a collector.')
      .argument('<file>', 'the log: .csv, .xes, .csv.gz or .xes.gz'),
  )
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
      const reading = logReadingOf(opts);
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
          ...reading,
          batchSize: opts.batchSize,
          concurrency: opts.concurrency ?? (opts.collector === undefined ? 1 : 4),
          onProgress: bar.update,
        });
        bar.stop();
        process.stdout.write(`${formatSummary(summary)}\n${target.where}\n`);
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
  const store = await openStore({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir ?? defaultDataDir }, model!.name);
  const hint = opts.databaseUrl === undefined ? `; start it with: orderscope up --data-dir ${path.relative(process.cwd(), store.where) || '.'} --model <the same model>` : '';
  return { sink: storeSink(store.db, model!), where: `written to ${store.where}${hint}`, close: store.close };
}
