import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Counting the machine instructions a child process executes, with valgrind's callgrind: a figure of
 * work that moves much less with the machine than time does. The same build under the same load
 * counted within 1 to 2 % run after run, where CPU time per request on a shared 2-core host moves by
 * a third; with a heavy load beside it, it counted up to a third more (bench/agent.ts). It is a proxy
 * for CPU time, not a measure of it: an instruction that misses the cache costs more than one that
 * hits, so a change that allocates more (and so collects more garbage) costs more time than its
 * instructions say.
 *
 * Under valgrind a process runs some 50 to 100 times slower, so what it does by the clock (a timer's
 * batch, a linger) happens per fewer requests than at full speed: a benchmark that counts must make
 * such batches fill by size, as they do under load.
 */

/** The program a counted child runs under, and its arguments before node's own. */
export function countingCommand(outDir: string): { execPath: string; execArgv: string[] } {
  if (!hasValgrind()) {
    throw new Error('counting instructions needs valgrind, which is not installed: apt-get install valgrind (Debian), or measure time instead');
  }
  return {
    execPath: 'valgrind',
    execArgv: [
      // Its own banner and notes would run into the figures; errors still show.
      '-q',
      '--tool=callgrind',
      // Instructions only: no cache or branch simulation, which would slow it further and are not read.
      '--cache-sim=no',
      '--branch-sim=no',
      // V8 writes and rewrites machine code on the heap; valgrind must see each change.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${path.join(outDir, 'callgrind.%p')}`,
      process.execPath,
    ],
  };
}

/** Sets the child's instruction counts to zero: what it did before (start-up, warm-up) is not counted. */
export function zeroCount(pid: number): void {
  execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
}

/**
 * The instructions the child executed since it was last zeroed (all its threads: the garbage
 * collector's and the compiler's too), read from a dump callgrind writes on request.
 */
export function countSinceZero(pid: number, outDir: string): number {
  const before = new Set(dumpsOf(pid, outDir));
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  const dump = dumpsOf(pid, outDir).find((f) => !before.has(f));
  if (!dump) throw new Error(`callgrind wrote no dump for process ${pid} in ${outDir}`);
  return totalInstructions(readFileSync(path.join(outDir, dump), 'utf8'));
}

/** The total of a callgrind dump: its `totals:` line, or the `summary:` line of older versions. */
export function totalInstructions(dump: string): number {
  const match = /^(?:totals|summary): (\d+)/m.exec(dump);
  if (!match) throw new Error('the callgrind dump has no totals line');
  return Number(match[1]);
}

function dumpsOf(pid: number, outDir: string): string[] {
  return readdirSync(outDir).filter((f) => f.startsWith(`callgrind.${pid}.`));
}

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
