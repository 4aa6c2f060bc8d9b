import { createReadStream, statSync } from 'node:fs';
import type { IngestResult, OrderEventInput } from '../events';

/** Where events go: a collector (CollectorClient) or the store itself (import's StoreSink). */
export interface EventSink {
  post(events: readonly OrderEventInput[]): Promise<IngestResult>;
}

/** An event to send, with the line of the file it came from (for the rejections a person reads). */
export interface NumberedEvent {
  readonly line: number;
  readonly event: OrderEventInput;
}

/** What a run of {@link sendInBatches} (replay, import) did. */
export interface SendSummary {
  /** Events read from the file (blank lines are skipped). */
  sent: number;
  accepted: number;
  rejected: number;
  /** Rejections by reason: the field the sink named, or what was wrong with the line before it could be sent. */
  rejectedByReason: Record<string, number>;
  /** The first few rejections, with their line numbers, so a person can fix the file. */
  examples: { line: number; error: string }[];
}

export interface SendOptions {
  readonly sink: EventSink;
  readonly batchSize?: number;
  /** Batches in flight at once. */
  readonly concurrency?: number;
  /** Called after each batch was answered, for a progress bar. */
  readonly onBatch?: () => void;
}

/** The item a reader yields: an event to send, or a line it could not turn into one. */
export type ReadItem = NumberedEvent | { readonly line: number; readonly error: string };

/**
 * Sends every event `items` yields in batches, a few in flight at once, and counts what was accepted
 * and why the rest was rejected. Reading waits while `concurrency` batches are in flight, so a file
 * of any size is held in memory a few batches at a time. A line the reader could not read is
 * counted as a rejection and the rest goes on: one bad line never takes the valid ones down with it.
 */
export async function sendInBatches(items: AsyncIterable<ReadItem>, options: SendOptions): Promise<SendSummary> {
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 4;
  const summary: SendSummary = { sent: 0, accepted: 0, rejected: 0, rejectedByReason: {}, examples: [] };
  const reject = (line: number, error: string) => {
    summary.rejected++;
    const reason = reasonOf(error);
    summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + 1;
    if (summary.examples.length < 10) summary.examples.push({ line, error });
  };

  const inFlight = new Set<Promise<void>>();
  let batch: NumberedEvent[] = [];
  const flush = async () => {
    const taken = batch;
    batch = [];
    if (taken.length === 0) return;
    const result = await options.sink.post(taken.map((t) => t.event));
    summary.accepted += result.accepted;
    for (const r of result.rejected) reject(taken[r.index]?.line ?? 0, r.error);
    options.onBatch?.();
  };
  // A batch that failed (after the sink's own retries) fails the run, whichever batch is awaited.
  const failed: { error?: unknown; any: boolean } = { any: false };
  const schedule = async () => {
    const p = flush()
      .catch((error: unknown) => {
        if (!failed.any) Object.assign(failed, { any: true, error });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  try {
    for await (const item of items) {
      summary.sent++;
      if ('error' in item) {
        reject(item.line, item.error);
        continue;
      }
      batch.push(item);
      if (batch.length >= batchSize) await schedule();
      if (failed.any) break;
    }
    if (!failed.any) await schedule();
  } finally {
    // Whatever stopped the reading, the batches already posted are answered before this returns.
    await Promise.all(inFlight);
  }
  if (failed.any) throw failed.error;
  return summary;
}

/** How to send a file's events: where, in what batches, and who follows the bytes read. */
export interface SendFileOptions {
  readonly file: string;
  readonly sink: EventSink;
  readonly batchSize?: number | undefined;
  readonly concurrency?: number | undefined;
  /** Called with bytes of the file read so far and its size, for a progress bar. */
  readonly onProgress?: ((bytesRead: number, totalBytes: number) => void) | undefined;
}

/**
 * {@link sendInBatches} over the items `read` makes of a file's stream (replay's JSON lines, import's
 * logs), reporting progress in bytes of the file read after each batch.
 */
export async function sendFileInBatches(options: SendFileOptions, read: (stream: NodeJS.ReadableStream) => AsyncIterable<ReadItem>): Promise<SendSummary> {
  const total = statSync(options.file).size;
  const stream = createReadStream(options.file);
  const summary = await sendInBatches(read(stream), {
    sink: options.sink,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    onBatch: () => options.onProgress?.(stream.bytesRead, total),
  });
  options.onProgress?.(total, total);
  return summary;
}

/** "occurred_at: is 301 s in the future; ..." -> "occurred_at". */
export function reasonOf(error: string): string {
  const match = /^([A-Za-z_][\w.[\]]*?)(?:\.[^:]*)?:/.exec(error);
  return match?.[1] ?? error;
}

/** The summary as people read it. */
export function formatSummary(s: SendSummary): string {
  const out = [`sent ${s.sent}, accepted ${s.accepted}, rejected ${s.rejected}`];
  const reasons = Object.entries(s.rejectedByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) out.push('rejected by reason:', ...reasons.map(([r, n]) => `  ${String(n).padStart(8)}  ${r}`));
  if (s.examples.length) out.push('first rejections:', ...s.examples.map((e) => `  line ${e.line}: ${e.error}`));
  return out.join('\n');
}
