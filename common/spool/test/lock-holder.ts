import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Another process holding a directory's lock, as another agent or another `orderscope up` would. */
export interface LockHolder {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Ends it (SIGTERM) and waits until it is gone. */
  stop(): Promise<void>;
}

/** Starts a child process that takes `dir`'s lock (named `lockName`) and holds it; resolves once it does. */
export async function lockedByChild(dir: string, lockName?: string): Promise<LockHolder> {
  const child = fork(path.join(__dirname, 'hold-lock.ts'), [dir, ...(lockName ? [lockName] : [])], {
    // The TypeScript sources run as they are, as in the agents' integration tests.
    execArgv: ['--require', path.join(__dirname, '../../../agents/test/register-ts.js')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code} before it held the lock`)));
  });
  return {
    process: child,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
