import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { OrderEventInput } from '../events';
import { sendInBatches, type EventSink, type ReadItem, type SendSummary } from './send-batches';

export { reasonOf, formatSummary } from './send-batches';
export type ReplaySummary = SendSummary;

export interface ReplayOptions {
  file: string;
  client: EventSink;
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
  const total = statSync(options.file).size;
  const stream = createReadStream(options.file);
  const summary = await sendInBatches(jsonLines(stream), {
    sink: options.client,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    onBatch: () => options.onProgress?.(stream.bytesRead, total),
  });
  options.onProgress?.(total, total);
  return summary;
}

/** The events of a JSON-lines stream, numbered by line; blank lines skipped, others that do not parse named. */
async function* jsonLines(input: NodeJS.ReadableStream): AsyncGenerator<ReadItem> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, event: JSON.parse(text) as OrderEventInput };
    } catch {
      yield { line, error: 'not JSON' };
    }
  }
}
