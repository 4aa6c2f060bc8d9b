import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { CollectorClient } from '../../agents/shared';
import { ConfigError, UnavailableError } from '../../common';
import { byteProgress } from '../byte-progress';
import { replayFile, formatSummary } from '../replay';

/** `orderscope replay FILE.jsonl`: posts recorded events to a collector (backfills, re-drives, tests). */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Post the events of a JSON-lines file to a collector, in batches, with a progress bar and a summary.')
    .argument('<file>', 'a file with one order event (JSON) per line')
    .option('--collector <url>', 'the collector base URL', 'http://127.0.0.1:7400')
    .option('--token <token>', 'an ingest token (default: $ORDERSCOPE_TOKEN)')
    .option('--batch-size <n>', 'events per request (the collector takes at most 1000)', parsePositive, 500)
    .option('--concurrency <n>', 'requests in flight at once', parsePositive, 4)
    .option('--as-history', 'send the events as history (orders that are over: judged in event time, never paged); needs a token with the admin scope. Never for a backlog of live orders')
    .action(async (file: string, opts: { collector: string; token?: string; batchSize: number; concurrency: number; asHistory?: boolean }) => {
      const token = opts.token ?? process.env.ORDERSCOPE_TOKEN;
      if (!token) throw new ConfigError('no token: pass --token or set ORDERSCOPE_TOKEN');
      checkReadableFile(file);
      const bar = byteProgress('replay');
      const summary = await replayFile({
        file,
        client: new CollectorClient({ url: opts.collector, token }),
        batchSize: opts.batchSize,
        concurrency: opts.concurrency,
        asHistory: opts.asHistory === true,
        onProgress: bar.update,
      }).catch((err: unknown) => {
        bar.stop();
        throw collectorHint(err, 'replay');
      });
      bar.stop();
      console.log(formatSummary(summary));
      if (summary.rejected > 0) process.exitCode = 2;
    });
}

/**
 * A backfill that stops must say so: what was accepted before stays (event ids make a rerun safe).
 * `verb` is the command, for the sentence.
 */
export function collectorHint(err: unknown, verb: string): unknown {
  if (!(err instanceof UnavailableError)) return err;
  return new UnavailableError(`${err.message}; is it running? Start it (orderscope up), or pass --collector with its URL; events accepted before this stay, and running the ${verb} again counts none twice`, err);
}

/** Fails in plain words when `file` cannot be read by `verb` (replay, import): missing, a directory, unreadable. */
export function checkReadableFile(file: string, verb = 'replay', what = 'a file of events (one JSON event per line)'): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `cannot ${verb} ${file}: there is no such file` : `cannot ${verb} ${file}: ${(err as Error).message}`, err);
  }
  if (!isFile) throw new ConfigError(`cannot ${verb} ${file}: it is a directory, not ${what}`);
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`"${value}" is not a positive whole number`);
  return n;
}
