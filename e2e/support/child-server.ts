import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { freePort, freePorts } from '../../common/test/free-port';
import { answersOk, logTailOf } from './process-probes';

export { freePort, freePorts };

/** A server the test started as a child process. */
export interface ChildServer {
  readonly name: string;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Where its stdout and stderr go. */
  readonly logFile: string;
  /** The last lines of its log, for failure messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. Safe to call twice. */
  stop(): Promise<void>;
}


/**
 * Starts `command` with `args`, logging to `logFile`, and resolves once `GET <url><readyPath>`
 * answers 200; rejects with the log's tail if the process exits first or is not ready in time.
 */
export async function startChildServer(options: {
  name: string;
  command: string;
  args: readonly string[];
  port: number;
  readyPath: string;
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<ChildServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logTail = (lines = 20) => logTailOf(options.logFile, lines);
  let stopping: Promise<void> | undefined;
  const server: ChildServer = {
    name: options.name,
    url,
    logFile: options.logFile,
    logTail,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })()),
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${options.name} exited (code ${exitCode}) before it was ready:\n${logTail()}`);
    if (await answersOk(`${url}${options.readyPath}`)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${options.name} was not ready at ${url}${options.readyPath} within ${options.readyTimeoutMs ?? 30_000} ms:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
