import { readFileSync } from 'node:fs';

/** The last `lines` lines of a child process's log file, for a failure message. */
export function logTailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether GET `url` answers 2xx within a second: the readiness probe of the servers the tests start. */
export function answersOk(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
}
