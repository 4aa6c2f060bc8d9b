import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROBE_PATHS, sleep } from '../../common';
import { pause } from './pause';

/** The orderscope CLI as built (benchmarks run from dist/bench). */
export const CLI = path.join(__dirname, '..', '..', 'cli', 'main.js');

/** How long the processes of a benchmark may take to become ready (a benchmark is bounded in time). */
const START_DEADLINE_MS = 180_000;

export interface CliProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  /** Where it serves HTTP (its /readyz says when it is ready). */
  readonly url: string;
}

export interface CliProcessSpec {
  readonly name: string;
  readonly args: readonly string[];
  /** The port it was told to listen on. */
  readonly port: number;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `orderscope <args>` processes and resolves once each answers its readiness probe (for a
 * pipeline service: connected to its database and RabbitMQ, consuming). Their logs go nowhere but
 * errors to this process's stderr: a benchmark prints its figures. One that exits while starting
 * stops the others and fails with its name.
 */
export async function startCliProcesses(specs: readonly CliProcessSpec[]): Promise<CliProcess[]> {
  const started = specs.map((spec): CliProcess => {
    const child = spawn(process.execPath, [CLI, ...spec.args], {
      // No span export: nothing listens for it, and the figures are the services' own.
      env: { ...process.env, NODE_OPTIONS: '', OTEL_TRACES_EXPORTER: 'none', ...spec.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { name: spec.name, child, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))), url: `http://127.0.0.1:${spec.port}` };
  });
  const deadline = Date.now() + START_DEADLINE_MS;
  for (const p of started) {
    for (let ready = false; !ready; ) {
      // A child killed by a signal has no exit code, only its signal.
      const ended = p.child.exitCode ?? p.child.signalCode;
      if (ended !== null || Date.now() > deadline) {
        await stopAll(started);
        throw new Error(ended !== null ? `${p.name} exited (${ended}) while starting` : `${p.name} was not ready within ${START_DEADLINE_MS / 1000} s`);
      }
      ready = await fetch(`${p.url}${PROBE_PATHS.ready}`).then((r) => r.ok, () => false);
      if (!ready) await pause(100);
    }
  }
  return started;
}

/** SIGTERM to each, then SIGKILL to any still running after 40 s. */
export async function stopAll(processes: readonly CliProcess[]): Promise<void> {
  for (const p of processes) p.child.kill('SIGTERM');
  const codes = await Promise.race([Promise.all(processes.map((p) => p.exit)), sleep(40_000).then(() => 'timeout' as const)]);
  if (codes === 'timeout') for (const p of processes) p.child.kill('SIGKILL');
}
