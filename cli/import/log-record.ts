import { createHash } from 'node:crypto';
import { BACKFILL_ATTRIBUTE, LIMITS, ORDER_EVENT_SCHEMA_VERSION, type OrderEventInput } from '../../events';
import type { ReadItem } from '../send-batches';
import { logTimestamp } from './log-time';

/**
 * Where a log keeps each field of an event: a CSV column or an XES attribute key; unset ones are found
 * by their usual process-mining names.
 */
export interface LogFields {
  readonly caseId?: string | undefined;
  readonly activity?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly resource?: string | undefined;
  readonly source?: string | undefined;
  /** Further columns or attributes to carry: their name in the log -> attribute name. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** One event of a log (a CSV row, an XES event), as read, before it is an order event. */
export interface LogRecord {
  /** Where it is in the file: its line. */
  readonly line: number;
  readonly caseId: string;
  readonly activity: string;
  readonly timestamp: string;
  readonly resource?: string | undefined;
  /** The emitting system, when the log names it (--source-column). */
  readonly source?: string | undefined;
  /** Further attributes asked for (--attribute), by their attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** How log records become order events. */
export interface RecordMapping {
  /** The source of events whose record names none. */
  readonly source: string;
  /** The zone of timestamps written without an offset (--time-zone). */
  readonly timeZone?: string | undefined;
  /** The state an activity enters: the model's state named, labelled or aliased so, or a name made from it. */
  readonly stateOf: (activity: string) => { state: string } | { error: string };
}

/** Attribute names of what an imported event carries beside its state. */
export const IMPORT_ATTRIBUTES = {
  /** The activity as the log writes it ("T02 Check confirmation of receipt"): the state's label. */
  activity: 'activity',
  /** org:resource: who did it; operator_id is what the reports group operators by. */
  resource: 'operator_id',
  /** The case id as the log writes it, when it had to be changed to be an order id. */
  caseId: 'case_id',
} as const;

/**
 * Turns log records into order events. Event ids are derived from the case, the event's position among
 * the case's events in the file, its activity and its timestamp: importing the same file again gives
 * the same ids, and the tracker ignores events it already has, so a second import changes nothing.
 * Every event carries the backfill mark (events/backfill.ts). The same position is the event's `seq`, which orders events of a case with the same timestamp
 * (ties are common in logs written to the second) as the file lists them.
 *
 * Holds one counter per case: memory grows with the number of cases, never with the file.
 */
export class RecordConverter {
  private readonly positions = new Map<string, number>();

  constructor(private readonly mapping: RecordMapping) {}

  convert(record: LogRecord): ReadItem {
    const { line } = record;
    const missing = (['caseId', 'activity', 'timestamp'] as const).filter((k) => record[k].trim() === '');
    if (missing.length) return { line, error: `${missing.map((k) => WHAT[k]).join(', ')}: is empty` };
    const time = logTimestamp(record.timestamp, this.mapping.timeZone);
    if ('error' in time) return { line, error: `timestamp: ${time.error}` };
    const state = this.mapping.stateOf(record.activity);
    if ('error' in state) return { line, error: `activity: ${state.error}` };
    const orderId = orderIdOf(record.caseId);
    const position = this.positions.get(record.caseId) ?? 0;
    this.positions.set(record.caseId, position + 1);
    const attributes: Record<string, string | boolean> = { ...record.attributes, [IMPORT_ATTRIBUTES.activity]: record.activity };
    if (record.resource !== undefined && record.resource !== '') attributes[IMPORT_ATTRIBUTES.resource] = record.resource;
    if (orderId !== record.caseId) attributes[IMPORT_ATTRIBUTES.caseId] = record.caseId;
    // An import is history: the tracker judges its orders in event time, never against today's clock.
    attributes[BACKFILL_ATTRIBUTE] = true;
    const event: OrderEventInput = {
      schema_version: ORDER_EVENT_SCHEMA_VERSION,
      event_id: uuidFrom(['orderscope-import', record.caseId, String(position), record.activity, record.timestamp]),
      order_id: orderId,
      source: record.source !== undefined && record.source !== '' ? nameOf(record.source) : this.mapping.source,
      state: state.state,
      occurred_at: time.value,
      seq: position,
      attributes,
    };
    return { line, event };
  }
}

const WHAT = { caseId: 'case id', activity: 'activity', timestamp: 'timestamp' } as const;

/**
 * A case id as an order id: a case id that is one already stays as it is. Otherwise characters an
 * order id may not hold (it is a path segment of the API's URLs) become "_" and a hash of the whole
 * case id follows, so that two case ids never become one order ("A B" and "A/B"), and one too long is
 * cut before its hash.
 */
export function orderIdOf(caseId: string): string {
  const cleaned = caseId.trim().replace(/[^A-Za-z0-9._:-]+/g, '_');
  if (cleaned === caseId && cleaned !== '.' && cleaned !== '..' && cleaned !== '' && cleaned.length <= LIMITS.orderIdMaxLength) return cleaned;
  const suffix = `_${hash(caseId).slice(0, 12)}`;
  const base = cleaned === '.' || cleaned === '..' || cleaned === '' ? 'case' : cleaned;
  return `${base.slice(0, LIMITS.orderIdMaxLength - suffix.length)}${suffix}`;
}

/**
 * A name (state, source) made from any text: lower case, runs of other characters as "_", starting
 * with a letter, at most the contract's length (a long one ends in a hash of the whole text, so
 * that two long labels that start alike stay two names).
 */
export function nameOf(text: string): string {
  let name = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = `s_${hash(text).slice(0, 8)}`;
  else if (!/^[a-z]/.test(name)) name = `s_${name}`;
  if (name.length > LIMITS.nameMaxLength) name = `${name.slice(0, LIMITS.nameMaxLength - 9).replace(/_+$/, '')}_${hash(text).slice(0, 8)}`;
  return name;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A UUID (version 5 layout, SHA-1 of the parts) that is the same whenever the parts are. */
export function uuidFrom(parts: readonly string[]): string {
  const bytes = createHash('sha1').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
