import { createReadStream } from 'node:fs';
import { ProcessModel, validateOrderEvent } from '../../events';
import { buildTimeline, parseEventTime, type TimelineEvent } from '../../tracker';
import { logEvents, type LogReading } from '../import/import-log';
import { IMPORT_ATTRIBUTES } from '../import/log-record';
import type { SendSummary } from '../send-batches';
import { ObservationCollector, type Observations } from './observations';

/** A model that knows no state: timelines built under it are the log as it is. */
const NO_MODEL = new ProcessModel('discovering', [], new Map(), [], []);

/**
 * Observations of an event log, read as `orderscope import` reads it (the same states, ids and
 * order), each order's stays computed as the tracker computes them. The file is streamed, but the
 * events of every order are held until the end (a case's events may be anywhere in the file): for a
 * log too large for that, import it and discover from the store.
 *
 * @returns the observations, and the rows that could not be read (as import would reject them)
 */
export async function observeLog(file: string, reading: LogReading, now: Date = new Date()): Promise<{ observations: Observations; skipped: Pick<SendSummary, 'rejected' | 'examples'> }> {
  const byOrder = new Map<string, (TimelineEvent & { activity: string })[]>();
  const skipped: Pick<SendSummary, 'rejected' | 'examples'> = { rejected: 0, examples: [] };
  const skip = (line: number, error: string) => {
    skipped.rejected++;
    if (skipped.examples.length < 10) skipped.examples.push({ line, error });
  };
  for await (const item of logEvents(createReadStream(file), { ...reading, file })) {
    if ('error' in item) {
      skip(item.line, item.error);
      continue;
    }
    const checked = validateOrderEvent(item.event, now);
    if (!checked.ok) {
      skip(item.line, checked.error);
      continue;
    }
    const e = checked.event;
    const list = byOrder.get(e.order_id) ?? [];
    if (list.length === 0) byOrder.set(e.order_id, list);
    list.push({ eventId: e.event_id, source: e.source, state: e.state, occurredAt: parseEventTime(e.occurred_at), seq: e.seq, activity: String(e.attributes[IMPORT_ATTRIBUTES.activity] ?? e.state) });
  }
  const collector = new ObservationCollector();
  for (const events of byOrder.values()) {
    const timeline = buildTimeline(events, NO_MODEL);
    collector.addOrder(timeline.stays, timeline.events.length, timeline.firstEventAt, timeline.lastEventAt, events);
  }
  return { observations: collector.result(file), skipped };
}
