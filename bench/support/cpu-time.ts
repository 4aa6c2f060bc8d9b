import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times: 100 on Linux's every common configuration (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * The CPU seconds (user + system) the processes have used so far; a process that is gone counts 0.
 * With `reaped`, a process also counts what its exited children used (cutime + cstime): for a server
 * whose workers come and go (PostgreSQL's backends and autovacuum workers), the parent's total plus its
 * live children's is the server's, whichever of them exited between two readings.
 */
export function cpuSeconds(pids: readonly number[], reaped = false): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      ticks += statTicks(`/proc/${pid}/stat`, reaped);
    } catch {
      // Exited since it was listed.
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * The CPU seconds (user + system) the calling thread has used so far (a worker's own, where
 * `process.cpuUsage` gives the whole process's), or undefined where /proc/thread-self is missing.
 */
export function threadCpuSeconds(): number | undefined {
  try {
    return statTicks('/proc/thread-self/stat', false) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc stat file, and with `reaped` its exited children's too, in ticks. */
function statTicks(file: string, reaped: boolean): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
}

/** The pids of this machine's processes whose command line matches. */
export function pidsMatching(pattern: RegExp): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '))) pids.push(Number(entry));
    } catch {
      // Exited since it was listed.
    }
  }
  return pids;
}

/**
 * The servers a tracker run leans on, by command line: PostgreSQL's postmaster (which reaps its
 * backends), its live children, and the Kafka broker.
 */
export const SERVER_PROCESSES = { postmaster: /\/postgres -D /, postgresChildren: /^postgres: /, kafka: /kafka\.Kafka\b/ } as const;

/** CPU seconds used so far by the given processes and by PostgreSQL and Kafka (see SERVER_PROCESSES). */
export function cpuSnapshot(pids: readonly number[]): { own: number; postgres: number; kafka: number } {
  return {
    own: cpuSeconds(pids),
    postgres: cpuSeconds(pidsMatching(SERVER_PROCESSES.postmaster), true) + cpuSeconds(pidsMatching(SERVER_PROCESSES.postgresChildren)),
    kafka: cpuSeconds(pidsMatching(SERVER_PROCESSES.kafka)),
  };
}
