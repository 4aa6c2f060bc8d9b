import { z } from 'zod';
import { printable, unstorableText } from '../common';
import { commonUtcMicros, occurredAtMicros, readTimestamp, type Timestamp } from './occurred-at';

/** Limits of the contract; exported so that docs, errors and tests quote the same numbers. */
export const LIMITS = {
  orderIdMaxLength: 128,
  maxAttributes: 32,
  attributeKeyMaxLength: 64,
  attributeValueMaxBytes: 1024,
  maxFutureSkewSeconds: 300,
  nameMaxLength: 64,
  /**
   * A state is written as the model's name, label or alias (the tracker maps it to the name): any text
   * up to this length, which is also the longest label or alias a model may give.
   */
  stateMaxLength: 200,
  /**
   * occurred_at must be at or after `occurredAtFrom` and before `occurredAtBefore` (instants, offset
   * applied). Every event the contract accepts must be stored and read back exactly; within this range
   * - the tracker's arithmetic holds: it keeps event time as microseconds since 1970 in a JavaScript
   *   number, exact only below 2^53 µs (about 285 years either side of 1970: 1684 to 2255), and
   *   subtracts them (time in state, lead time); 250 years keeps every instant and every difference
   *   between two of them below 2^53, with room for the deadlines added to them;
   * - PostgreSQL's and PGlite's timestamptz (4713 BC to 294276 AD) and JavaScript's Date hold it with
   *   room to spare, while year 0000 (which PostgreSQL refuses) and the far future are out;
   * - 1900 keeps every plausible backfill of historic orders, and 2150 is far beyond any real clock
   *   (events more than maxFutureSkewSeconds ahead of the collector's clock are refused anyway).
   */
  occurredAtFrom: '1900-01-01T00:00:00Z',
  occurredAtBefore: '2150-01-01T00:00:00Z',
  /** The largest time zone offset of occurred_at, either side of UTC: PostgreSQL refuses beyond 15:59. */
  maxOffset: '15:59',
} as const;

export const ORDER_EVENT_SCHEMA_VERSION = 1;

const ORDER_ID = /^[A-Za-z0-9._:-]+$/;
// Order ids are path segments of the API's URLs (/v1/orders/{order_id}), where these two mean "here" and "up".
const DOT_SEGMENTS = new Set(['.', '..']);
const NAME = /^[a-z][a-z0-9_-]*$/;
const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ALL_ZEROS = /^0+$/;
// Keys that would reach an object's prototype when copied with `obj[key] = value`.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A string that the store can hold, checked before any other rule so that the message says why. */
const text = (error: string, prefix = '') =>
  z.string({ error }).refine((s) => unstorableText(s) === undefined, { error: (issue) => `${prefix}${unstorableText(issue.input as string)}` });

/** LIMITS.occurredAtFrom and LIMITS.occurredAtBefore in microseconds since the epoch. */
export const OCCURRED_AT_FROM = occurredAtMicros(LIMITS.occurredAtFrom);
export const OCCURRED_AT_BEFORE = occurredAtMicros(LIMITS.occurredAtBefore);
const [MAX_OFFSET_HOURS, MAX_OFFSET_MINUTES] = LIMITS.maxOffset.split(':').map(Number) as [number, number];
const MAX_OFFSET = MAX_OFFSET_HOURS * 60 + MAX_OFFSET_MINUTES;

/** The first of occurred_at's rules beyond its format that `text` breaks (its offset, then its range), or undefined. */
function occurredAtProblem(text: string): string | undefined {
  const read = readTimestamp(text);
  return read && timestampProblem(read);
}

/** {@link occurredAtProblem} of a timestamp already read. */
function timestampProblem(read: Timestamp): string | undefined {
  if (Math.abs(read.offsetMinutes) > MAX_OFFSET) return `must have a time zone offset between -${LIMITS.maxOffset} and +${LIMITS.maxOffset}`;
  if (read.micros < OCCURRED_AT_FROM || read.micros >= OCCURRED_AT_BEFORE) return `must be at or after ${LIMITS.occurredAtFrom} and before ${LIMITS.occurredAtBefore}`;
  return undefined;
}

// Any C0 or C1 control character (tab and line breaks too): a state is one line of text people read.
const CONTROL = /\p{Cc}/u;

/**
 * What a state may be written as: the model's name for it, its label or an alias ("T02 Check
 * confirmation of receipt"), which the tracker maps to the name (events/model.ts `stateFor`). The
 * collector holds no model, so it checks only that the text is one printable line of bounded length;
 * text that means no state of the model is stored and flagged unknown_state by the tracker.
 */
const stateText = text('must be a string (the state: its name, label or alias in the process model)')
  .min(1, { error: 'must not be empty' })
  .max(LIMITS.stateMaxLength, { error: `must be at most ${LIMITS.stateMaxLength} characters` })
  .refine((s) => !CONTROL.test(s), { error: (issue) => `must not contain control characters (found ${printable((issue.input as string).match(CONTROL)![0])}); write the state on one line` })
  .refine((s) => s.trim() !== '', { error: 'must not be only spaces' });

const name = (what: string) =>
  text(`must be a string (the ${what})`)
    .min(1, { error: 'must not be empty' })
    .max(LIMITS.nameMaxLength, { error: `must be at most ${LIMITS.nameMaxLength} characters` })
    .regex(NAME, { error: 'must be lower case letters, digits, "_" or "-", starting with a letter' });

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'must be a string, number, boolean or null',
})
  .refine((v) => typeof v !== 'string' || unstorableText(v) === undefined, { error: (issue) => unstorableText(issue.input as string) })
  .refine((v) => typeof v !== 'string' || Buffer.byteLength(v, 'utf8') <= LIMITS.attributeValueMaxBytes, {
  error: `must be at most ${LIMITS.attributeValueMaxBytes} bytes`,
}).refine((v) => typeof v !== 'number' || Number.isFinite(v), { error: 'must be a finite number' });

const attributeKey = text('attribute names must be strings', 'attribute names ')
  .max(LIMITS.attributeKeyMaxLength, { error: `attribute names must be at most ${LIMITS.attributeKeyMaxLength} characters` })
  .regex(ATTRIBUTE_KEY, { error: 'attribute names must be letters, digits, "_", "." or "-", starting with a letter or "_"' })
  .refine((k) => !FORBIDDEN_KEYS.has(k), { error: 'attribute name is reserved' });

/** The shape of an order event (without the clock-dependent rule on occurred_at). */
export const orderEventShape = z.strictObject(
  {
    schema_version: z.literal(ORDER_EVENT_SCHEMA_VERSION, { error: `must be ${ORDER_EVENT_SCHEMA_VERSION}` }),
    event_id: z.uuid({ error: 'must be a UUID (the idempotency key of the event)' }),
    order_id: text('must be a string')
      .min(1, { error: 'must not be empty' })
      .max(LIMITS.orderIdMaxLength, { error: `must be at most ${LIMITS.orderIdMaxLength} characters` })
      .regex(ORDER_ID, { error: 'may contain only letters, digits, ".", "_", "-" and ":"' })
      .refine((v) => !DOT_SEGMENTS.has(v), { error: 'must not be "." or ".." (order ids are path segments of the API\'s URLs)' }),
    source: name('emitting system, e.g. shop'),
    state: stateText,
    occurred_at: z.iso
      .datetime({
        offset: true,
        error: 'must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00',
      })
      // One reading of the text for both of its rules (every event passes here); what is not a
      // timestamp at all breaks neither: the format's message is the one to read then.
      .refine((v) => occurredAtProblem(v) === undefined, { error: (issue) => occurredAtProblem(issue.input as string) }),
    seq: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must not be negative' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' })
      .default(0),
    trace_id: z
      .string({ error: 'must be a string' })
      .regex(TRACE_ID, { error: 'must be 32 lower-case hex characters (a W3C trace id)' })
      .refine((v) => !ALL_ZEROS.test(v), { error: 'must not be all zeros' })
      .optional(),
    span_id: z
      .string({ error: 'must be a string' })
      .regex(SPAN_ID, { error: 'must be 16 lower-case hex characters (a W3C span id)' })
      .refine((v) => !ALL_ZEROS.test(v), { error: 'must not be all zeros' })
      .optional(),
    attributes: z
      .record(attributeKey, attributeValue, {
        error: (issue) => (issue.code === 'invalid_type' ? 'must be an object of name -> value' : undefined),
      })
      .refine((a) => Object.keys(a).length <= LIMITS.maxAttributes, {
        error: `must have at most ${LIMITS.maxAttributes} entries`,
      })
      .default({}),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be a JSON object') },
);

// The formats of event_id and occurred_at exactly as the schema checks them (zod's own patterns), for the plain reading below.
const UUID = z.regexes.uuid();
const DATETIME = z.regexes.datetime({ offset: true });
const FIELD_ORDER = Object.keys(orderEventShape.shape);
const SHAPE_KEYS = new Set(FIELD_ORDER);

/** How a check may treat the value it is given. */
export interface CheckOptions {
  /**
   * The value is the caller's own, made by JSON.parse for this check and held nowhere else (a
   * request's body, a message of the bus). An event that already is what the schema would make of it
   * (every field given, none undefined, in the schema's order, plain objects) is then returned as it
   * is instead of copied: copying the event and its attributes was about a twentieth of the
   * collector's time (issue 18). The caller must not change the value afterwards.
   */
  readonly fresh?: boolean;
}

/**
 * The event the schema would make of `input` (`orderEventShape.safeParse(input).data`), when
 * `input` is a plain object that keeps every rule; undefined otherwise, and also where only the
 * schema can tell (anything unusual: then ask it, for its verdict and its messages).
 *
 * The same rules as the schema, read as plain code: nearly every event is valid, and the schema's
 * checks cost about three times as much (`npm run bench -- contract`), on every event the collector
 * takes in and every event a tracker reads from the bus. Keep the two side by side: a rule changed in
 * one is changed in the other. The property test (order-event.test.ts) holds this reading to the schema:
 * it never accepts what the schema refuses, its output is the schema's to the byte, and it takes every
 * generated valid event.
 */
export function plainlyValidEvent(input: unknown): OrderEvent | undefined {
  return plainReading(input)?.event;
}

/** A checked event with its occurred_at in microseconds since the epoch, read once for every rule that needs it. */
export interface CheckedEvent {
  readonly event: OrderEvent;
  readonly occurredAt: number;
}

/** {@link plainlyValidEvent}, with the instant its occurred_at was read as; `fresh` as {@link CheckOptions} says. */
function plainReading(input: unknown, fresh = false): CheckedEvent | undefined {
  if (!isPlainObject(input)) return undefined;
  // Whether the fields come in the schema's order, as far as read (an own key is never read twice).
  let inOrder = fresh && isObjectLiteral(input);
  let next = 0;
  for (const key in input) {
    // Unknown fields are the schema's to name; a field given as undefined it keeps so in its output.
    if (!SHAPE_KEYS.has(key) || input[key] === undefined) return undefined;
    if (inOrder) {
      while (next < FIELD_ORDER.length && FIELD_ORDER[next] !== key) next++;
      inOrder = next++ < FIELD_ORDER.length;
    }
  }
  const { schema_version, event_id, order_id, source, state, occurred_at, seq = 0, trace_id, span_id, attributes = {} } = input;
  if (schema_version !== ORDER_EVENT_SCHEMA_VERSION) return undefined;
  if (typeof event_id !== 'string' || !UUID.test(event_id)) return undefined;
  if (!isOrderId(order_id)) return undefined;
  if (!isText(source, LIMITS.nameMaxLength) || !NAME.test(source)) return undefined;
  if (!isState(state)) return undefined;
  if (typeof occurred_at !== 'string') return undefined;
  // The common form keeps the schema's pattern whenever it is read (occurred-at.ts); others are matched.
  const utc = commonUtcMicros(occurred_at);
  if (utc === undefined && !DATETIME.test(occurred_at)) return undefined;
  const read = utc === undefined ? readTimestamp(occurred_at) : { micros: utc, offsetMinutes: 0 };
  if (read === undefined || timestampProblem(read) !== undefined) return undefined;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
  if (trace_id !== undefined && !isHexId(trace_id, TRACE_ID)) return undefined;
  if (span_id !== undefined && !isHexId(span_id, SPAN_ID)) return undefined;
  // The schema's output has seq and attributes even when they are left out, so an event without them is built.
  const reuse = inOrder && input.seq !== undefined && input.attributes !== undefined;
  const copy = plainAttributes(attributes, reuse);
  if (!copy) return undefined;
  if (reuse && copy === attributes) return { event: input as unknown as OrderEvent, occurredAt: read.micros };
  // Built in the schema's order of fields, as its output has them (attributes last).
  const event = { schema_version, event_id, order_id, source, state, occurred_at, seq: seq as number } as OrderEvent;
  if (trace_id !== undefined) event.trace_id = trace_id;
  if (span_id !== undefined) event.span_id = span_id;
  event.attributes = copy;
  return { event, occurredAt: read.micros };
}

/**
 * The plain reading of the three fields a producer's caller chooses: a copy of `attributes` when
 * `orderId`, `state` and `attributes` keep their rules, else undefined (then ask the schema, for its
 * verdict and its words). For a producer that makes the rest of the event itself, valid by
 * construction: the agent's trackOrder, on every call.
 */
export function plainlyValidCallerFields(orderId: unknown, state: unknown, attributes: unknown): Record<string, AttributeValue> | undefined {
  return isOrderId(orderId) && isState(state) ? plainAttributes(attributes) : undefined;
}

function isOrderId(value: unknown): value is string {
  return isText(value, LIMITS.orderIdMaxLength) && ORDER_ID.test(value) && !DOT_SEGMENTS.has(value);
}

function isState(value: unknown): value is string {
  return isText(value, LIMITS.stateMaxLength) && !CONTROL.test(value) && value.trim() !== '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A plain object with Object's prototype, as JSON.parse and the schema make them (not a prototype-less one). */
function isObjectLiteral(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * A string the store can hold, of at most `max` characters (UTF-16 units, as the schema counts). An
 * empty one breaks its field's pattern (order_id, source, attribute names) or the blank rule (state).
 */
function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && unstorableText(value) === undefined;
}

function isHexId(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value) && !ALL_ZEROS.test(value);
}

/**
 * A copy of the attributes when every name and value keeps its rule, else undefined; with `reuse`,
 * the attributes themselves when they are a plain object of Object's (what the schema's copy is).
 */
function plainAttributes(attributes: unknown, reuse = false): Record<string, AttributeValue> | undefined {
  if (!isPlainObject(attributes)) return undefined;
  const kept = reuse && isObjectLiteral(attributes);
  const copy: Record<string, AttributeValue> = kept ? (attributes as Record<string, AttributeValue>) : {};
  let count = 0;
  for (const key in attributes) {
    if (++count > LIMITS.maxAttributes) return undefined;
    if (!isText(key, LIMITS.attributeKeyMaxLength) || !ATTRIBUTE_KEY.test(key) || FORBIDDEN_KEYS.has(key)) return undefined;
    const value = attributes[key];
    if (typeof value === 'string') {
      if (unstorableText(value) !== undefined || Buffer.byteLength(value, 'utf8') > LIMITS.attributeValueMaxBytes) return undefined;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return undefined;
    } else if (value !== null && typeof value !== 'boolean') {
      return undefined;
    }
    if (!kept) copy[key] = value;
  }
  return copy;
}

/**
 * Why `id` is not an order id the contract accepts (the message of the first rule it breaks), or
 * undefined when it is one. For ids that arrive elsewhere than in an event (URL paths, cursors).
 */
export function orderIdProblem(id: string): string | undefined {
  const parsed = orderEventShape.shape.order_id.safeParse(id);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

/** A valid order event, as the rest of orderscope sees it (defaults filled in). */
export type OrderEvent = z.output<typeof orderEventShape>;
/** What a producer may send (seq and attributes optional). */
export type OrderEventInput = z.input<typeof orderEventShape>;
export type AttributeValue = OrderEvent['attributes'][string];

/**
 * What is wrong with an event, for programs (the collector's rejection reasons): the top-level field
 * of the first problem (none when the event is not an object at all), and whether it is an unknown
 * field or a time in the future rather than a value that breaks its field's rule.
 */
export interface ValidationProblem {
  readonly field?: string;
  readonly kind: 'invalid' | 'unknown_field' | 'future';
}

export type ValidationResult = { ok: true; event: OrderEvent } | { ok: false; error: string; problem: ValidationProblem };

/**
 * Validates one event against the contract. `now` is the clock for the "not in the future" rule:
 * events may be years old (backfills, replays) but at most five minutes ahead of us, which catches
 * producers with broken clocks or milliseconds sent as seconds.
 */
export function validateOrderEvent(input: unknown, now: Date = new Date(), options: CheckOptions = {}): ValidationResult {
  const checked = checkEventShape(input, options);
  if ('error' in checked) return checked;
  const { event, occurredAt } = checked;
  const skew = (occurredAt / 1000 - now.getTime()) / 1000;
  if (skew > LIMITS.maxFutureSkewSeconds) {
    return {
      ok: false,
      // Rounded up: 300.4 s is past the limit, and "is 300 s in the future; at most 300 s" would not say why.
      error: `occurred_at: is ${Math.ceil(skew)} s in the future; at most ${LIMITS.maxFutureSkewSeconds} s of clock skew is accepted (check the emitting host's clock)`,
      problem: { field: 'occurred_at', kind: 'future' },
    };
  }
  return { ok: true, event };
}

/**
 * Every rule of the contract but the clock's, for the collector and for readers that must not judge
 * by their own clock (the bus: an event's place in time was judged when it was taken in). The plain
 * reading first, the schema for everything else, and the same words for what is wrong either way.
 */
export function checkEventShape(input: unknown, options: CheckOptions = {}): CheckedEvent | Extract<ValidationResult, { ok: false }> {
  const plain = plainReading(input, options.fresh);
  if (plain) return plain;
  // zod silently skips an own "__proto__" key of a record; a dropped attribute must be an error instead.
  const attributes = (input as { attributes?: unknown } | null)?.attributes;
  if (typeof attributes === 'object' && attributes !== null && Object.hasOwn(attributes, '__proto__')) {
    return { ok: false, error: 'attributes.__proto__: attribute name is reserved', problem: { field: 'attributes', kind: 'invalid' } };
  }
  const parsed = orderEventShape.safeParse(input);
  if (parsed.success) return { event: parsed.data, occurredAt: occurredAtMicros(parsed.data.occurred_at) };
  // Parsed again with each issue's input, by which formatIssues tells a missing field: asked for on
  // every event, it cost each about 2 µs, a third of the check (bench/contract.ts), valid or not.
  const issues = firstIssuePerField(orderEventShape.safeParse(input, { reportInput: true }).error!.issues);
  return { ok: false, error: formatIssues(issues), problem: problemOf(issues[0]) };
}

/** One issue per field: the first rule a field breaks is the one to fix first. */
function firstIssuePerField(all: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const seen = new Set<string>();
  return all.filter((issue) => {
    const key = issue.path.map(String).join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The problem a program reads from the first issue: its top-level field, and its kind. */
function problemOf(issue: z.core.$ZodIssue | undefined): ValidationProblem {
  const field = issue?.path[0];
  if (issue?.code === 'unrecognized_keys' && field === undefined) return { kind: 'unknown_field' };
  return field === undefined ? { kind: 'invalid' } : { field: String(field), kind: 'invalid' };
}

/** Formats zod issues as "field: what is wrong", one per line, the first few only. */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 5).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${formatPath(issue.path)}: ` : '';
      return `${where}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${printable(k)}"`).join(', ')}`;
    }
    const path = formatPath(issue.path);
    if (issue.code === 'invalid_key') return `${path}: ${issue.issues[0]?.message ?? 'invalid attribute name'}`;
    const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value') && 'input' in issue && issue.input === undefined;
    return `${path || 'event'}: ${missing ? 'is required' : issue.message}`;
  });
  if (issues.length > 5) lines.push(`(and ${issues.length - 5} more)`);
  return lines.join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? printable(String(p)) : `.${printable(String(p))}`)).join('');
}

