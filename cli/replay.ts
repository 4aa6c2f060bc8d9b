import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { OrderEventInput } from '../events';
import type { CollectorClient } from '../collector/client';

export interface ReplaySummary {
  /** Lines read that held an event (blank lines are skipped). */
  sent: number;
  accepted: number;
  rejected: number;
  /** Rejections by reason: the field the collector named, or "not JSON" for lines that did not parse. */
  rejectedByReason: Record<string, number>;
  /** The first few rejections, with their line numbers, so a person can fix the file. */
  examples: { line: number; error: string }[];
}

export interface ReplayOptions {
  file: string;
  client: Pick<CollectorClient, 'post'>;
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Called with bytes read so far and the file size, for a progress bar. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Posts every event of a JSON-lines file to a collector, in batches, a few at a time, and counts
 * what was accepted and why the rest was rejected. Events keep their own event_ids, so a replay that
 * is interrupted and run again counts nothing twice.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 4;
  const total = statSync(options.file).size;
  const summary: ReplaySummary = { sent: 0, accepted: 0, rejected: 0, rejectedByReason: {}, examples: [] };
  const reject = (line: number, error: string) => {
    summary.rejected++;
    const reason = reasonOf(error);
    summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + 1;
    if (summary.examples.length < 10) summary.examples.push({ line, error });
  };

  const stream = createReadStream(options.file);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const inFlight = new Set<Promise<void>>();
  let batch: { line: number; event: OrderEventInput }[] = [];
  let lineNo = 0;

  const flush = async () => {
    const taken = batch;
    batch = [];
    if (taken.length === 0) return;
    const result = await options.client.post(taken.map((t) => t.event));
    summary.accepted += result.accepted;
    for (const r of result.rejected) reject(taken[r.index]?.line ?? 0, r.error);
    options.onProgress?.(stream.bytesRead, total);
  };
  const schedule = async () => {
    const p = flush().finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    summary.sent++;
    try {
      batch.push({ line: lineNo, event: JSON.parse(text) as OrderEventInput });
    } catch {
      reject(lineNo, 'not JSON');
      continue;
    }
    if (batch.length >= batchSize) await schedule();
  }
  await schedule();
  await Promise.all(inFlight);
  options.onProgress?.(total, total);
  return summary;
}

/** "occurred_at: is 301 s in the future; ..." -> "occurred_at". */
export function reasonOf(error: string): string {
  const match = /^([A-Za-z_][\w.[\]]*?)(?:\.[^:]*)?:/.exec(error);
  return match?.[1] ?? error;
}

/** The summary as people read it. */
export function formatSummary(s: ReplaySummary): string {
  const out = [`sent ${s.sent}, accepted ${s.accepted}, rejected ${s.rejected}`];
  const reasons = Object.entries(s.rejectedByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) out.push('rejected by reason:', ...reasons.map(([r, n]) => `  ${String(n).padStart(8)}  ${r}`));
  if (s.examples.length) out.push('first rejections:', ...s.examples.map((e) => `  line ${e.line}: ${e.error}`));
  return out.join('\n');
}
