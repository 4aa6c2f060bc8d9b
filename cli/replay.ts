import { createInterface } from 'node:readline';
import { BACKFILL_AGE_SECONDS, markBackfill, type OrderEventInput } from '../events';
import { sendFileInBatches, type EventSink, type ReadItem, type SendSummary } from './send-batches';

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
  /** The clock, in ms: events older than BACKFILL_AGE_SECONDS by it are sent as history. */
  now?: () => number;
}

/**
 * Posts every event of a JSON-lines file to a collector, in batches, a few at a time, and counts
 * what was accepted and why the rest was rejected. Events more than an hour old are sent as history. Events keep their own event_ids, so a replay that
 * is interrupted and run again counts nothing twice.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  const now = options.now ?? Date.now;
  return sendFileInBatches({ ...options, sink: options.client }, (stream) => asHistory(jsonLines(stream), now() - BACKFILL_AGE_SECONDS * 1000));
}

/**
 * Events that occurred before `before` marked as history (events/backfill.ts), so that replaying last
 * year's events gives last year's flags rather than a storm of pages today; recent ones go as they are.
 */
async function* asHistory(items: AsyncIterable<ReadItem>, before: number): AsyncGenerator<ReadItem> {
  for await (const item of items) {
    const at = 'event' in item && typeof item.event.occurred_at === 'string' ? Date.parse(item.event.occurred_at) : NaN;
    yield 'event' in item && at < before && typeof item.event.attributes !== 'string' ? { line: item.line, event: markBackfill(item.event) } : item;
  }
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
