import { readdirSync } from 'node:fs';
import path from 'node:path';
import { refuseUnknownFlags, UsageError } from './support/args';

/**
 * `npm run bench -- <name>` runs bench/<name>.ts (compiled to dist/bench/<name>.js). Each benchmark
 * exports `run(args)`, measures its figure and its baseline in the same run, and prints both with
 * their ratio. Benchmarks are not tests: they assert nothing about time.
 */
export interface Benchmark {
  /** Its arguments after `npm run bench --`, one form a line, e.g. `contract [--events 20000] [--rounds 10]`. */
  readonly usage: string;
  run(args: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && !['run.js', 'report-figures.js'].includes(f))
    .map((f) => path.basename(f, '.js'));
  if (!name || name === '--help' || !available.includes(name)) {
    console.error(`usage: npm run bench -- <name> [args]  (npm run bench -- <name> --help: its args)\n\nbenchmarks: ${available.join(', ') || '(none yet)'}`);
    process.exit(name && name !== '--help' ? 1 : 0);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bench = require(path.join(__dirname, name)) as Benchmark;
  const usage = bench.usage.replace(/^/gm, 'usage: npm run bench -- ');
  if (args.includes('--help')) {
    console.log(usage);
    return;
  }
  try {
    refuseUnknownFlags(args, bench.usage);
    await bench.run(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench ${name}: ${err.message}\n${usage}`);
    process.exit(2);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
