import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One id per test run, so that a run can delete the Kafka topics it made when it ends (see
 * kafka-topics.global-teardown.ts). Jest's global setup sets it before any test file loads, and the
 * test files (in-band or in workers) inherit it. Outside Jest (a script that uses the helpers) each
 * process makes its own, and the script deletes its topics itself.
 */
export const TEST_RUN_ENV = 'ORDERSCOPE_TEST_RUN';

export function testRunId(): string {
  return (process.env[TEST_RUN_ENV] ??= randomUUID().slice(0, 8));
}

/** What the names of a run's test topics start with. */
export function runTopicPrefix(run: string): string {
  return `orderscope-test-${run}-`;
}

/**
 * A file that says a run made Kafka topics: the teardown connects to Kafka only then, so a run of
 * the unit suite, which has no broker, never tries.
 */
function topicsMarker(run: string): string {
  return join(tmpdir(), `orderscope-test-${run}.kafka-topics`);
}

let marked = false;

/** Records that this run made a topic (once a process; the file is shared by the run's processes). */
export function markTopicsMade(): void {
  if (marked) return;
  appendFileSync(topicsMarker(testRunId()), '');
  marked = true;
}

export function topicsWereMade(run: string): boolean {
  return existsSync(topicsMarker(run));
}

export function forgetTopicsMade(run: string): void {
  rmSync(topicsMarker(run), { force: true });
}
