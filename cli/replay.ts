import { createInterface } from 'node:readline';
import { markBackfill, type OrderEventInput } from '../events';
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
  /**
   * Send every event as history (the backfill mark): a backfill of orders that are over, judged in
   * event time and never paged. Never for a spool or an outage's backlog: those orders are live, and
   * an order judged in event time would not be flagged when it stalls now.
   */
  asHistory?: boolean;
}

/**
 * Posts every event of a JSON-lines file to a collector, in batches, a few at a time, and counts
 * what was accepted and why the rest was rejected. With asHistory, every event is sent as history. Events keep their own event_ids, so a replay that
 * is interrupted and run again counts nothing twice.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  return sendFileInBatches({ ...options, sink: options.client }, (stream) => (options.asHistory ? asHistory(jsonLines(stream)) : jsonLines(stream)));
}

/** Every event marked as history (events/backfill.ts): replaying last year gives last year's flags, not a storm of pages today. */
async function* asHistory(items: AsyncIterable<ReadItem>): AsyncGenerator<ReadItem> {
  for await (const item of items) {
    yield 'event' in item && typeof item.event.attributes !== 'string' ? { line: item.line, event: markBackfill(item.event) } : item;
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
