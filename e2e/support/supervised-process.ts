import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { sleep } from '../../common';
import { answersOk, logTailOf } from './process-probes';

/**
 * A long-running child process that is started again when it exits with an error, as a container
 * runtime's `restart: on-failure` or a Kubernetes Deployment would: the pipeline's services exit 1
 * after a fatal error (the ack-then-die fault) and rely on their supervisor.
 */
export interface SupervisedProcess {
  readonly name: string;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly logFile: string;
  /** Exit codes of the runs that ended, in order (those that ended with an error were restarted). */
  readonly exits: readonly (number | null)[];
  /** Resolves once `GET <url><readyPath>` answers 200; rejects with the log's tail after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  logTail(lines?: number): string;
  /** SIGTERM (then SIGKILL after 15 s) without restarting; resolves with the last exit code. Safe to call twice. */
  stop(): Promise<number | null>;
}

export interface SupervisedOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  readonly readyPath: string;
  /** stdout and stderr of every run are appended here. */
  readonly logFile: string;
}

/** Starts a supervised process (it need not be ready yet: see `ready()`). */
export function startSupervised(options: SupervisedOptions): SupervisedProcess {
  const exits: (number | null)[] = [];
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let stopping: Promise<number | null> | undefined;

  const run = () => {
    const log = openSync(options.logFile, 'a');
    try {
      child = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exits.push(code);
        resolve(code);
        if (!stopping && code !== 0) run();
      }),
    );
  };
  run();

  const logTail = (lines = 30) => logTailOf(options.logFile, lines);
  const url = `http://127.0.0.1:${options.port}`;
  return {
    name: options.name,
    url,
    logFile: options.logFile,
    exits,
    logTail,
    ready: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await answersOk(`${url}${options.readyPath}`)) return;
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready at ${url}${options.readyPath} within ${timeoutMs} ms:\n${logTail()}`);
        await sleep(100);
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })()),
  };
}
