import fc from 'fast-check';
import { LIMITS, occurredAtMicros, type OrderEventInput } from '..';

/*
 * fast-check arbitraries over the whole order-event contract: every kind of event it accepts, with the
 * edges biased in (longest ids, names and values, 32 attributes, astral characters and emoji, the first
 * and last microsecond of the occurred_at range, offsets that are not whole hours, 0 to 12 fraction
 * digits, the largest seq), and the strings it must refuse (U+0000, lone surrogates, years out of range).
 */

const FROM = occurredAtMicros(LIMITS.occurredAtFrom);
const BEFORE = occurredAtMicros(LIMITS.occurredAtBefore);
const [OFFSET_H, OFFSET_M] = LIMITS.maxOffset.split(':').map(Number) as [number, number];
const MAX_OFFSET_MINUTES = OFFSET_H * 60 + OFFSET_M;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const chars = (alphabet: string) => fc.constantFrom(...alphabet);
const stringOf = (alphabet: string, minLength: number, maxLength: number) => fc.string({ unit: chars(alphabet), minLength, maxLength });
/** Strings of exactly the longest allowed length, so that the maximum is not left to chance. */
const longest = (first: string, rest: string, length: number) => fc.tuple(chars(first), stringOf(rest, length - 1, length - 1)).map(([a, b]) => a + b);

const orderId = fc
  .oneof(stringOf(`${LETTERS}${LETTERS.toUpperCase()}${DIGITS}._:-`, 1, 20), longest('S', `${LETTERS}${DIGITS}._:-`, LIMITS.orderIdMaxLength), fc.constantFrom('...', '.a', 'a..b', 'SO-2026:000123'))
  .filter((id) => id !== '.' && id !== '..');

const name = fc.oneof(
  fc.tuple(chars(LETTERS), stringOf(`${LETTERS}${DIGITS}_-`, 0, 15)).map(([a, b]) => a + b),
  longest(LETTERS, `${LETTERS}${DIGITS}_-`, LIMITS.nameMaxLength),
);

const eventId = fc.oneof(
  { weight: 8, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff') },
);

const hexId = (length: number) => stringOf(HEX, length, length).filter((id) => !/^0+$/.test(id));

/** A microsecond instant in the supported range, the first and last ones often. */
const instant = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: FROM, max: BEFORE - 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: FROM, max: FROM + 2 * 86_400_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: BEFORE - 2 * 86_400_000_000, max: BEFORE - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(FROM, BEFORE - 1, 0, -1, 1) },
);

/** Offsets in minutes east of UTC: the largest, half and three-quarter hours, anything in between. */
const offset = fc.oneof(
  fc.constantFrom(0, 345, 330, 570, -570, 765, 840, -720, MAX_OFFSET_MINUTES, -MAX_OFFSET_MINUTES),
  fc.integer({ min: -MAX_OFFSET_MINUTES, max: MAX_OFFSET_MINUTES }),
);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * An RFC 3339 occurred_at inside the supported range: `micros` shown in local time at `offsetMinutes`
 * (Z or -00:00 for 0), with `digits` fraction digits. Up to 6 digits drop what the instant has below
 * them; more append `extra` digits below the microsecond, which the store rounds half to even.
 */
export function formatOccurredAt(micros: number, offsetMinutes: number, digits: number, extra = ''): string {
  const step = 10 ** Math.max(0, 6 - digits);
  const shown = micros - (((micros % step) + step) % step);
  const local = shown + offsetMinutes * 60_000_000;
  const seconds = Math.floor(local / 1_000_000);
  const fraction = pad(local - seconds * 1_000_000, 6);
  const wall = new Date(seconds * 1000).toISOString().slice(0, 19);
  const zone = offsetMinutes === 0 ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const digitsShown = digits <= 6 ? fraction.slice(0, digits) : `${fraction}${extra.padEnd(digits - 6, '0').slice(0, digits - 6)}`;
  return `${wall}${digitsShown ? `.${digitsShown}` : ''}${zone}`;
}

export const occurredAt = fc
  .record({
    micros: instant,
    offset,
    digits: fc.oneof(fc.constantFrom(0, 3, 6, 7, 9), fc.integer({ min: 0, max: 12 })),
    extra: stringOf(DIGITS, 6, 6),
    minusZero: fc.boolean(),
  })
  .map(({ micros, offset: minutes, digits, extra, minusZero }) => {
    let text = formatOccurredAt(micros, minutes, digits, extra);
    // Rounding the digits below the microsecond up may reach the range's end: then show fewer.
    if (occurredAtMicros(text) >= BEFORE) text = formatOccurredAt(micros, minutes, 6);
    return minutes === 0 && minusZero ? text.replace(/Z$/, '-00:00') : text;
  });

const attributeKey = fc
  .oneof(
    fc.tuple(chars(`${LETTERS}ABCXYZ_`), stringOf(`${LETTERS}${DIGITS}_.-`, 0, 12)).map(([a, b]) => a + b),
    longest(`${LETTERS}_`, `${LETTERS}${DIGITS}_.-`, LIMITS.attributeKeyMaxLength),
  )
  .filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));

/** Any code point but U+0000: astral ones are surrogate pairs in the string, never lone halves. */
const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\u0000');
const storableString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: codePoint, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'é'.repeat(512), '👍'.repeat(256), '𝄞'.repeat(256), 'x'.repeat(LIMITS.attributeValueMaxBytes), '\uffff\ufffe\u0001\u001f\u007f"\\/') },
);

const attributeValue = fc.oneof(
  { weight: 4, arbitrary: storableString },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, -0, 1e21, 0.1)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const attributes = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(attributeKey, attributeValue, { maxKeys: 6, noNullPrototype: true }) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(attributeKey, { minLength: LIMITS.maxAttributes, maxLength: LIMITS.maxAttributes })
      .chain((keys) => fc.array(attributeValue, { minLength: keys.length, maxLength: keys.length }).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]!])))),
  },
);

/** A state as an event may write it: a name, or a label or alias, any printable line of up to the limit. */
const stateText = fc.oneof(
  { weight: 3, arbitrary: name },
  { weight: 2, arbitrary: fc.string({ unit: codePoint, minLength: 1, maxLength: 40 }).filter((s) => !/\p{Cc}/u.test(s) && s.trim() !== '') },
  { weight: 1, arbitrary: fc.constantFrom('T02 Check confirmation of receipt', '👍'.repeat(LIMITS.stateMaxLength / 2), 'é'.repeat(LIMITS.stateMaxLength), ' padded ') },
);

/** Every kind of event the contract accepts (optional fields sometimes left out). */
export const validEvent: fc.Arbitrary<OrderEventInput> = fc.record(
  {
    schema_version: fc.constant(1 as const),
    event_id: eventId,
    order_id: orderId,
    source: name,
    state: stateText,
    occurred_at: occurredAt,
    seq: fc.oneof(fc.nat(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
    trace_id: hexId(32),
    span_id: hexId(16),
    attributes,
  },
  { requiredKeys: ['schema_version', 'event_id', 'order_id', 'source', 'state', 'occurred_at'], noNullPrototype: true },
);

/** A batch of `size` valid events with distinct event ids (a UUID is the same in either case). */
export const validBatch = (size: number) => fc.uniqueArray(validEvent, { minLength: size, maxLength: size, selector: (e) => e.event_id.toLowerCase() });

/** What the store cannot hold in a string: U+0000 or a lone half of a surrogate pair. */
export const unstorable = fc.record({
  bad: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
  /** Where in the string it goes, as a fraction of its length. */
  at: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** `text` with `bad` inserted at `at` (0 = start, 1 = end), never between the halves of a pair. */
export function insertAt(text: string, bad: string, at: number): string {
  const points = [...text];
  const i = Math.round(at * points.length);
  return [...points.slice(0, i), bad, ...points.slice(i)].join('');
}

/** An occurred_at outside the supported range (years 0000 to 1899 and 2150 to 9999), in any offset. */
export const outOfRange = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 1899 }), fc.integer({ min: 2150, max: 9999 }), fc.constantFrom(0, 1, 1899, 2150, 9999)),
    rest: fc.constantFrom('-01-01T00:00:00Z', '-06-15T12:30:00.5+05:45', '-12-31T23:59:59.999999-15:59', '-01-01T00:00:00+14:00', '-07-04T09:00:00.1234567-09:30'),
  })
  .map(({ year, rest }) => `${pad(year, 4)}${rest}`)
  .filter((text) => {
    const micros = occurredAtMicros(text);
    return micros < FROM || micros >= BEFORE;
  });
