import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { sleep } from '../../common';
import { answersOk, logTailOf } from './process-probes';

/**
 * A child process the test starts, kills and starts again at will, as a fault-injection run does:
 * unlike a supervised process, nothing restarts it by itself. Every run appends to one log file.
 */
export interface ControlledProcess {
  readonly name: string;
  /** Where it serves, when it does (e.g. http://127.0.0.1:41234). */
  readonly url?: string;
  readonly logFile: string;
  readonly running: boolean;
  /** Exits nobody asked for (a crash): not by kill() or stop(). */
  readonly crashes: number;
  /** Starts it (if it is not running) and resolves once `ready()` answers true; rejects with the log's tail after `timeoutMs`. */
  start(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL: no shutdown code runs) and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it exited. */
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

export interface ControlledOptions {
  readonly name: string;
  readonly url?: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** Whether the process is ready, e.g. GET /readyz answers 200. */
  readonly ready: () => Promise<boolean>;
}

export function controlledProcess(options: ControlledOptions): ControlledProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let crashes = 0;
  let stopping = false;
  const logTail = (lines = 30) => logTailOf(options.logFile, lines);
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!alive()) return;
    stopping = true;
    child!.kill(signal);
    await exited;
  };
  return {
    name: options.name,
    ...(options.url !== undefined && { url: options.url }),
    logFile: options.logFile,
    get running() {
      return alive();
    },
    get crashes() {
      return crashes;
    },
    logTail,
    start: async (timeoutMs = 90_000) => {
      if (!alive()) {
        const log = openSync(options.logFile, 'a');
        try {
          const started = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', log, log] });
          child = started;
          stopping = false;
          exited = new Promise((resolve) =>
            started.once('exit', () => {
              if (!stopping) crashes++;
              resolve();
            }),
          );
        } finally {
          closeSync(log);
        }
      }
      const deadline = Date.now() + timeoutMs;
      while (!(await options.ready().catch(() => false))) {
        if (!alive()) throw new Error(`${options.name} exited before it was ready:\n${logTail()}`);
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready within ${timeoutMs} ms:\n${logTail()}`);
        await sleep(100);
      }
    },
    kill,
    stop: async () => {
      if (!alive()) return;
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
  };
}

/** A readiness probe for {@link ControlledOptions.ready}: GET `url` answers 2xx within a second. */
export const readyAt = (url: string) => () => answersOk(url);
