import fc from 'fast-check';
import { checkEventShape, validateOrderEvent, orderIdProblem, LIMITS, orderEventShape, plainlyValidCallerFields, plainlyValidEvent } from './order-event';
import { insertAt, outOfRange, unstorable, validEvent } from './test/arbitraries';

const NOW = new Date('2026-11-26T12:00:00Z');
const valid = {
  schema_version: 1,
  event_id: '7f1d7a3e-9c55-4c3e-8a55-0b8f4f7f2f11',
  order_id: 'SO-2026:000123',
  source: 'shop',
  state: 'placed',
  occurred_at: '2026-11-26T11:15:00+01:00',
};

function errorOf(patch: Record<string, unknown>): string {
  const result = validateOrderEvent({ ...valid, ...patch }, NOW);
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.error;
}

describe('the order-event contract', () => {
  it('accepts a minimal event and fills in seq and attributes', () => {
    const result = validateOrderEvent(valid, NOW);
    expect(result).toEqual({ ok: true, event: { ...valid, seq: 0, attributes: {} } });
  });

  it('accepts a full event with trace context and attributes', () => {
    const full = {
      ...valid,
      seq: 7,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      attributes: { segment: 'b2b', operator_id: 'op-17', amount: 1250.5, rush: true, note: null },
    };
    expect(validateOrderEvent(full, NOW)).toEqual({ ok: true, event: full });
  });

  it('accepts historic events years in the past (backfills and replays)', () => {
    expect(validateOrderEvent({ ...valid, occurred_at: '2019-03-01T08:00:00Z' }, NOW).ok).toBe(true);
  });

  it('accepts events up to five minutes in the future (clock skew)', () => {
    expect(validateOrderEvent({ ...valid, occurred_at: '2026-11-26T12:05:00Z' }, NOW).ok).toBe(true);
  });

  it('rejects events more than five minutes in the future', () => {
    expect(errorOf({ occurred_at: '2026-11-26T12:05:01Z' })).toBe(
      "occurred_at: is 301 s in the future; at most 300 s of clock skew is accepted (check the emitting host's clock)",
    );
  });

  it('reads the clock rule from the instant, its offset applied, to the microsecond', () => {
    expect(validateOrderEvent({ ...valid, occurred_at: '2026-11-26T13:05:00+01:00' }, NOW).ok).toBe(true);
    expect(errorOf({ occurred_at: '2026-11-26T14:00:00+01:00' })).toMatch(/^occurred_at: is 3600 s in the future;/);
    expect(validateOrderEvent({ ...valid, occurred_at: '2026-11-26T12:05:00.000001Z' }, NOW)).toEqual({
      ok: false,
      error: "occurred_at: is 301 s in the future; at most 300 s of clock skew is accepted (check the emitting host's clock)",
      problem: { field: 'occurred_at', kind: 'future' },
    });
  });

  it('rejects a body that is not an object', () => {
    for (const body of [5, null, 'x', [valid]]) {
      const result = validateOrderEvent(body, NOW);
      expect(result).toEqual({ ok: false, error: 'event: must be a JSON object', problem: { kind: 'invalid' } });
    }
  });

  it('names every missing required field', () => {
    expect(validateOrderEvent({}, NOW)).toEqual({
      ok: false,
      error: 'schema_version: is required; event_id: is required; order_id: is required; source: is required; state: is required; (and 1 more)',
      problem: { field: 'schema_version', kind: 'invalid' },
    });
  });

  it.each([
    [{ schema_version: 2 }, 'schema_version: must be 1'],
    [{ event_id: 'abc' }, 'event_id: must be a UUID (the idempotency key of the event)'],
    [{ order_id: '' }, 'order_id: must not be empty'],
    [{ order_id: 'x'.repeat(LIMITS.orderIdMaxLength + 1) }, 'order_id: must be at most 128 characters'],
    [{ order_id: 'SO 1' }, 'order_id: may contain only letters, digits, ".", "_", "-" and ":"'],
    [{ order_id: 'SO/1' }, 'order_id: may contain only letters, digits, ".", "_", "-" and ":"'],
    [{ order_id: 42 }, 'order_id: must be a string'],
    [{ source: 'Shop' }, 'source: must be lower case letters, digits, "_" or "-", starting with a letter'],
    [{ state: '' }, 'state: must not be empty'],
    [{ state: 's'.repeat(LIMITS.stateMaxLength + 1) }, 'state: must be at most 200 characters'],
    [{ state: 'Check\treceipt' }, 'state: must not contain control characters (found \\u0009); write the state on one line'],
    [{ state: 'Check receipt\u0085' }, 'state: must not contain control characters (found \\u0085); write the state on one line'],
    [{ state: '   ' }, 'state: must not be only spaces'],
    [{ occurred_at: '2026-11-26T10:00:00' }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
    [{ occurred_at: '26.11.2026 10:00' }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
    [{ occurred_at: 1764150000 }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
    [{ seq: -1 }, 'seq: must not be negative'],
    [{ seq: 1.5 }, 'seq: must be a whole number'],
    [{ seq: '1' }, 'seq: must be a number'],
    [{ trace_id: 'XYZ' }, 'trace_id: must be 32 lower-case hex characters (a W3C trace id)'],
    [{ trace_id: '0'.repeat(32) }, 'trace_id: must not be all zeros'],
    [{ span_id: 'abc' }, 'span_id: must be 16 lower-case hex characters (a W3C span id)'],
    [{ attributes: [] }, 'attributes: must be an object of name -> value'],
    [{ attributes: { nested: { a: 1 } } }, 'attributes.nested: must be a string, number, boolean or null'],
    [{ attributes: { note: 'x'.repeat(1025) } }, 'attributes.note: must be at most 1024 bytes'],
    [{ attributes: { note: 'é'.repeat(513) } }, 'attributes.note: must be at most 1024 bytes'],
    [{ attributes: { ['k'.repeat(65)]: 1 } }, `attributes.${'k'.repeat(65)}: attribute names must be at most 64 characters`],
    [{ attributes: { 'a b': 1 } }, 'attributes.a b: attribute names must be letters, digits, "_", ".", or "-", starting with a letter or "_"'.replace('".", or', '"." or')],
    [{ attributes: JSON.parse('{"__proto__": 1}') }, 'attributes.__proto__: attribute name is reserved'],
    [{ attributes: { constructor: 'x' } }, 'attributes.constructor: attribute name is reserved'],
    [{ attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }, 'attributes: must have at most 32 entries'],
    [{ ocurred_at: 'typo' }, 'unknown field "ocurred_at"'],
  ])('rejects %j with "%s"', (patch, message) => {
    expect(errorOf(patch)).toBe(message);
  });

  describe('accepts only what the store holds exactly', () => {
    const RANGE = 'occurred_at: must be at or after 1900-01-01T00:00:00Z and before 2150-01-01T00:00:00Z';
    const OFFSET = 'occurred_at: must have a time zone offset between -15:59 and +15:59';
    // Far from the clock: these events are checked against a clock beyond the range's end.
    const FAR_FUTURE = new Date('2200-01-01T00:00:00Z');
    const verdict = (patch: Record<string, unknown>) => {
      const result = validateOrderEvent({ ...valid, ...patch }, FAR_FUTURE);
      return result.ok ? 'ok' : result.error;
    };

    it('quotes the range it enforces in LIMITS', () => {
      expect([LIMITS.occurredAtFrom, LIMITS.occurredAtBefore, LIMITS.maxOffset]).toEqual(['1900-01-01T00:00:00Z', '2150-01-01T00:00:00Z', '15:59']);
    });

    it.each([
      ['1900-01-01T00:00:00Z', 'ok'],
      ['1900-01-01T05:45:00+05:45', 'ok'],
      ['1899-12-31T23:59:59.999999Z', RANGE],
      ['1900-01-01T00:00:00+00:01', RANGE],
      ['0001-01-01T00:00:00+14:00', RANGE],
      ['0000-01-01T00:00:00Z', RANGE],
      ['2149-12-31T23:59:59.999999Z', 'ok'],
      // PostgreSQL rounds the seventh digit up, to the range's end.
      ['2149-12-31T23:59:59.9999995Z', RANGE],
      ['2149-12-31T23:59:59.9999994999Z', 'ok'],
      ['2150-01-01T00:00:00Z', RANGE],
      ['2150-01-01T05:00:00+05:00', RANGE],
      ['9999-12-31T23:59:59Z', RANGE],
      ['2026-11-26T10:00:00+15:59', 'ok'],
      ['2026-11-26T10:00:00-15:59', 'ok'],
      ['2026-11-26T10:00:00+16:00', OFFSET],
      ['2026-11-26T10:00:00-23:59', OFFSET],
      ['2026-11-26T10:00:00.123456789+05:45', 'ok'],
    ])('occurred_at %s: %s', (occurredAt, expected) => {
      expect(verdict({ occurred_at: occurredAt })).toBe(expected);
    });

    it.each([
      [{ attributes: { note: 'a\u0000b' } }, 'attributes.note: must not contain U+0000 (NUL)'],
      [{ attributes: { note: '\u0000' } }, 'attributes.note: must not contain U+0000 (NUL)'],
      [{ attributes: { note: 'x\ud800' } }, 'attributes.note: must not contain a lone surrogate (invalid UTF-16)'],
      [{ attributes: { note: '\udfffx' } }, 'attributes.note: must not contain a lone surrogate (invalid UTF-16)'],
      [{ attributes: { note: '\ude00\ud83d' } }, 'attributes.note: must not contain a lone surrogate (invalid UTF-16)'],
      [{ attributes: { 'a\u0000b': 1 } }, 'attributes.a\\u0000b: attribute names must not contain U+0000 (NUL)'],
      [{ attributes: { ['k\ud800']: 1 } }, 'attributes.k\\ud800: attribute names must not contain a lone surrogate (invalid UTF-16)'],
      [{ order_id: 'SO\u00001' }, 'order_id: must not contain U+0000 (NUL)'],
      [{ order_id: 'SO-\udc00' }, 'order_id: must not contain a lone surrogate (invalid UTF-16)'],
      [{ source: 'shop\u0000' }, 'source: must not contain U+0000 (NUL)'],
      [{ state: '\ud800placed' }, 'state: must not contain a lone surrogate (invalid UTF-16)'],
      [{ event_id: '7f1d7a3e-9c55-4c3e-8a55-0b8f4f7f2f1\u0000' }, 'event_id: must be a UUID (the idempotency key of the event)'],
      [{ trace_id: `${'a'.repeat(31)}\ud800` }, 'trace_id: must be 32 lower-case hex characters (a W3C trace id)'],
      [{ span_id: `${'a'.repeat(15)}\u0000` }, 'span_id: must be 16 lower-case hex characters (a W3C span id)'],
      [{ occurred_at: '2026-11-26T10:00:00Z\u0000' }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
      [{ 'x\u0000\ud800': 1 }, 'unknown field "x\\u0000\\ud800"'],
      [{ order_id: '.' }, 'order_id: must not be "." or ".." (order ids are path segments of the API\'s URLs)'],
      [{ order_id: '..' }, 'order_id: must not be "." or ".." (order ids are path segments of the API\'s URLs)'],
    ])('rejects %j with "%s"', (patch, message) => {
      expect(errorOf(patch)).toBe(message);
    });

    it('accepts paired surrogates (emoji, astral characters), other control characters and order ids with dots', () => {
      const event = { ...valid, order_id: '...', attributes: { note: 'ok 👍 𝄞 \ud83d\ude00 tab\tbell\u0007 \uffff', 'a.b': 'x' } };
      expect(validateOrderEvent(event, NOW)).toEqual({ ok: true, event: { ...event, seq: 0 } });
      for (const orderId of ['.a', 'a.', '...', 'a..b']) expect(validateOrderEvent({ ...valid, order_id: orderId }, NOW).ok).toBe(true);
    });
  });

  it('accepts exactly 32 attributes with 64-character names and 1 KiB values', () => {
    const attributes = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`.padEnd(64, 'x'), 'v'.repeat(1024)]));
    expect(validateOrderEvent({ ...valid, attributes }, NOW).ok).toBe(true);
  });

  it('names attributes as the field of a reserved "__proto__" attribute name', () => {
    const result = validateOrderEvent({ ...valid, attributes: JSON.parse('{"__proto__": 1}') }, NOW);
    expect(result).toMatchObject({ ok: false, problem: { field: 'attributes', kind: 'invalid' } });
  });

  it('does not let a __proto__ key reach any prototype', () => {
    validateOrderEvent(JSON.parse(`{"__proto__": {"polluted": true}, "attributes": {"__proto__": {"polluted": true}}}`), NOW);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('for all events (property)', () => {
    const CLOCK = new Date('2200-01-01T00:00:00Z');
    const messageOf = (bad: string) => (bad === '\u0000' ? 'must not contain U+0000 (NUL)' : 'must not contain a lone surrogate (invalid UTF-16)');
    const escaped = (s: string) => s.replace(/\p{Cc}|\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    /** No message may itself hold what the store refuses: it is logged, answered and may be stored. */
    const storable = (message: string) => !message.includes('\u0000') && !/\p{Surrogate}/u.test(message);

    it('accepts every generated valid event', () => {
      fc.assert(
        fc.property(validEvent, (event) => {
          expect(validateOrderEvent(event, CLOCK)).toMatchObject({ ok: true });
        }),
        { numRuns: 300 },
      );
    });

    it('rejects U+0000 or a lone surrogate anywhere in a string, naming the field', () => {
      const field = fc.constantFrom('order_id', 'source', 'state', 'attribute value', 'attribute name');
      fc.assert(
        fc.property(validEvent, field, unstorable, fc.string({ unit: 'grapheme', maxLength: 8 }), (event, where, { bad, at }, text) => {
          let input: Record<string, unknown>;
          let expected: string;
          if (where === 'attribute value') {
            // Beside up to 31 valid ones: the 33rd would be an error of its own.
            const others = Object.entries(event.attributes ?? {}).filter(([k]) => k !== 'note').slice(0, LIMITS.maxAttributes - 1);
            input = { ...event, attributes: { ...Object.fromEntries(others), note: insertAt(text, bad, at) } };
            expected = `attributes.note: ${messageOf(bad)}`;
          } else if (where === 'attribute name') {
            const key = insertAt('note', bad, at);
            input = { ...event, attributes: { [key]: 'x' } };
            expected = `attributes.${escaped(key)}: attribute names ${messageOf(bad)}`;
          } else {
            input = { ...event, [where]: insertAt(event[where], bad, at) };
            expected = `${where}: ${messageOf(bad)}`;
          }
          const result = validateOrderEvent(input, CLOCK);
          expect(result).toEqual({ ok: false, error: expected, problem: { field: where.startsWith('attribute') ? 'attributes' : where, kind: 'invalid' } });
          expect(storable(expected)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('rejects an occurred_at outside the supported range, in any offset', () => {
      fc.assert(
        fc.property(validEvent, outOfRange, (event, occurredAt) => {
          expect(validateOrderEvent({ ...event, occurred_at: occurredAt }, CLOCK)).toEqual({
            ok: false,
            error: `occurred_at: must be at or after ${LIMITS.occurredAtFrom} and before ${LIMITS.occurredAtBefore}`,
            problem: { field: 'occurred_at', kind: 'invalid' },
          });
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('the edges of the contract', () => {
  it('lists exactly five problems without "(and 0 more)"', () => {
    expect(validateOrderEvent({ schema_version: 1 }, NOW)).toEqual({
      ok: false,
      error: 'event_id: is required; order_id: is required; source: is required; state: is required; occurred_at: is required',
      problem: { field: 'event_id', kind: 'invalid' },
    });
  });

  it.each([
    [{ trace_id: `${'a'.repeat(32)}b` }, 'trace_id: must be 32 lower-case hex characters (a W3C trace id)'],
    [{ trace_id: `x${'a'.repeat(32)}` }, 'trace_id: must be 32 lower-case hex characters (a W3C trace id)'],
    [{ span_id: `${'a'.repeat(16)}b` }, 'span_id: must be 16 lower-case hex characters (a W3C span id)'],
    [{ span_id: `x${'a'.repeat(16)}` }, 'span_id: must be 16 lower-case hex characters (a W3C span id)'],
    [{ span_id: '0'.repeat(16) }, 'span_id: must not be all zeros'],
    [{ source: 'shop!' }, 'source: must be lower case letters, digits, "_" or "-", starting with a letter'],
    [{ source: '1shop' }, 'source: must be lower case letters, digits, "_" or "-", starting with a letter'],
    [{ order_id: 'SO-1!' }, 'order_id: may contain only letters, digits, ".", "_", "-" and ":"'],
    [{ order_id: '!SO-1' }, 'order_id: may contain only letters, digits, ".", "_", "-" and ":"'],
    [{ order_id: '..' }, 'order_id: must not be "." or ".." (order ids are path segments of the API\'s URLs)'],
    [{ occurred_at: 'at 2026-11-26T10:00:00Z' }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
    [{ occurred_at: '2026-11-26T10:00:00Z and later' }, 'occurred_at: must be an RFC 3339 timestamp with a time zone offset, e.g. 2026-11-26T10:15:00Z or 2026-11-26T11:15:00+01:00'],
    [{ occurred_at: '2026-11-26T10:00:00+16:00' }, 'occurred_at: must have a time zone offset between -15:59 and +15:59'],
    [{ occurred_at: '2026-11-26T10:00:00-16:00' }, 'occurred_at: must have a time zone offset between -15:59 and +15:59'],
    [{ attributes: { amount: Number.NaN } }, 'attributes.amount: must be a string, number, boolean or null'],
    [{ attributes: { amount: Number.POSITIVE_INFINITY } }, 'attributes.amount: must be a string, number, boolean or null'],
    [{ attributes: { '9lives': 1 } }, 'attributes.9lives: attribute names must be letters, digits, "_", "." or "-", starting with a letter or "_"'],
    [{ attributes: { 'ok!': 1 } }, 'attributes.ok!: attribute names must be letters, digits, "_", "." or "-", starting with a letter or "_"'],
    [{ attributes: { prototype: 1 } }, 'attributes.prototype: attribute name is reserved'],
  ])('rejects %j with "%s"', (patch, message) => {
    expect(errorOf(patch)).toBe(message);
  });

  it('accepts the largest offsets, a 200-character state, a label or alias as the state, a 128-character order id and the largest seq', () => {
    for (const patch of [
      { occurred_at: '2026-11-26T10:00:00+15:59' },
      { occurred_at: '2026-11-25T10:00:00-15:59' },
      { state: `s${'_'.repeat(LIMITS.stateMaxLength - 1)}` },
      // The tracker maps a label or an alias to the state's name (tracker/apply/state-names.ts).
      { state: 'T02 Check confirmation of receipt' },
      { state: 'Auftrag geprüft (Öffentlich) #2 – ✓' },
      { order_id: 'x'.repeat(128) },
      { seq: Number.MAX_SAFE_INTEGER },
      { attributes: { _private: 1, 'a.b-c': 'x' } },
      // Zeros at either end are not all zeros.
      { trace_id: `${'0'.repeat(31)}1`, span_id: `${'0'.repeat(15)}1` },
      { trace_id: `1${'0'.repeat(31)}`, span_id: `1${'0'.repeat(15)}` },
    ]) {
      expect([patch, validateOrderEvent({ ...valid, ...patch }, NOW).ok]).toEqual([patch, true]);
    }
  });
});

describe('the problems of an order id given elsewhere than in an event (a URL, a cursor)', () => {
  it('is the message of the first rule the id breaks, or none for a valid id', () => {
    expect(['SO-2026:000123', '', 'SO 1', '..', 'x'.repeat(129)].map(orderIdProblem)).toEqual([
      undefined,
      'must not be empty',
      'may contain only letters, digits, ".", "_", "-" and ":"',
      'must not be "." or ".." (order ids are path segments of the API\'s URLs)',
      'must be at most 128 characters',
    ]);
  });
});

describe('unknown fields', () => {
  it('are named together, in the plural when there are several', () => {
    expect(errorOf({ extra: 1, more: 2 })).toBe('unknown fields "extra", "more"');
  });
});

describe('the plain reading of the contract (plainlyValidEvent), held to the schema', () => {
  /** An own property, as JSON.parse makes a "__proto__" key (an assignment would set the prototype). */
  const withOwn = (target: object, key: string, value: unknown) => Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });

  /** For each field, values on either side of each of its rules. */
  const EDGES: Record<string, readonly unknown[]> = {
    schema_version: [0, 2, '1', null],
    event_id: ['00000000-0000-0000-0000-000000000000', '7F1D7A3E-9C55-4C3E-8A55-0B8F4F7F2F11', '7f1d7a3e-9c55-0c3e-8a55-0b8f4f7f2f11', '7f1d7a3e9c554c3e8a550b8f4f7f2f11', ''],
    order_id: ['', '.', '..', '...', 'x'.repeat(LIMITS.orderIdMaxLength), 'x'.repeat(LIMITS.orderIdMaxLength + 1), 'a b', 'é', '\u0000', '\ud800', 1],
    source: ['', 'Shop', '1shop', 'shop-eu_2', 'a'.repeat(LIMITS.nameMaxLength), 'a'.repeat(LIMITS.nameMaxLength + 1), 'shop\u0000'],
    state: ['', ' ', '\t', 'a\tb', 'a\nb', '\u0085', '\u007f', '\u00a0', 'x'.repeat(LIMITS.stateMaxLength), 'x'.repeat(LIMITS.stateMaxLength + 1), '\ud800', 'T02 Check'],
    occurred_at: [
      '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-26T24:00:00Z', '2026-11-26T23:59:60Z',
      '2026-11-26T10:15Z', '2026-11-26t10:15:00Z', '2026-11-26T10:15:00z', '2026-11-26T10:15:00+16:00', '2026-11-26T10:15:00-15:59', '2026-11-26T10:15:00.1234567890123-00:00',
      '2026-11-26T10:15:00+0100', '2026-11-26 10:15:00Z', '1899-12-31T23:59:59Z', '1900-01-01T00:00:00Z', '2149-12-31T23:59:59.9999999Z', '2150-01-01T00:00:00Z', '0000-01-01T00:00:00Z',
    ],
    seq: [-1, -0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, NaN, Infinity, '1', null],
    trace_id: ['0'.repeat(32), `${'0'.repeat(31)}1`, 'F'.repeat(32), 'f'.repeat(31), 'g'.repeat(32), null],
    span_id: ['0'.repeat(16), `1${'0'.repeat(15)}`, 'A'.repeat(16), 'f'.repeat(17), null],
    attributes: [[], null, 'x', {}, Object.create(null), new Date(0)],
    extra: [1],
  };
  /** Attribute values on either side of the value rules, and names on either side of the name rules. */
  const ATTRIBUTE_VALUES: readonly unknown[] = [
    'x'.repeat(LIMITS.attributeValueMaxBytes), 'x'.repeat(LIMITS.attributeValueMaxBytes + 1), 'é'.repeat(512), 'é'.repeat(513), '👍'.repeat(256), '👍'.repeat(257),
    '\u0000', '\ud800', '\t', NaN, Infinity, -0, 1e308, true, null, [], {}, undefined,
  ];
  const ATTRIBUTE_NAMES = ['note', '', '_x', '1a', 'a b', 'a.b-c', 'a'.repeat(LIMITS.attributeKeyMaxLength), 'a'.repeat(LIMITS.attributeKeyMaxLength + 1), 'constructor', '__proto__', 'prototype', '\u0000', '\ud800'];

  const fieldEdge = fc.constantFrom(...Object.entries(EDGES).flatMap(([field, values]) => values.map((value) => [field, value] as const)));
  const attributeEdge = fc.tuple(fc.constantFrom(...ATTRIBUTE_NAMES), fc.constantFrom(...ATTRIBUTE_VALUES, 'x'));
  const field = fc.constantFrom(...Object.keys(EDGES));

  /** A valid event with one thing changed: a field set to an edge or to anything, a field removed, an attribute set, 33 attributes; or anything at all. */
  const changedEvent = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(validEvent, fieldEdge).map(([event, [key, value]]) => withOwn({ ...event }, key, value)) },
    { weight: 1, arbitrary: fc.tuple(validEvent, field, fc.anything()).map(([event, key, value]) => withOwn({ ...event }, key, value)) },
    { weight: 1, arbitrary: fc.tuple(validEvent, field).map(([event, key]) => Object.fromEntries(Object.entries(event).filter(([k]) => k !== key))) },
    { weight: 3, arbitrary: fc.tuple(validEvent, attributeEdge).map(([event, [key, value]]) => ({ ...event, attributes: withOwn({ ...event.attributes }, key, value) })) },
    { weight: 1, arbitrary: validEvent.map((event) => ({ ...event, attributes: Object.fromEntries(Array.from({ length: LIMITS.maxAttributes + 1 }, (_, i) => [`a${i}`, i])) })) },
    { weight: 1, arbitrary: validEvent.map((event) => Object.assign(Object.create(null) as object, event)) },
    { weight: 1, arbitrary: fc.anything() },
  );

  it("never accepts what the schema refuses, and makes the schema's event to the byte", () => {
    let accepted = 0;
    fc.assert(
      fc.property(changedEvent, (input) => {
        const plain = plainlyValidEvent(input);
        if (plain === undefined) return;
        accepted++;
        const parsed = orderEventShape.safeParse(input);
        expect(parsed.success).toBe(true);
        expect(JSON.stringify(plain)).toBe(JSON.stringify(parsed.data));
        // The same fields, none more with an undefined value (which JSON and toEqual would not show).
        expect(Object.keys(plain)).toEqual(Object.keys(parsed.data!));
        expect(plain).toEqual(parsed.data);
      }),
      { numRuns: 4000 },
    );
    // The changes that keep a field's rule (a valid value for it, an optional field removed) are accepted:
    // the property did judge accepted events.
    expect(accepted).toBeGreaterThan(100);
  });

  it('takes every generated valid event, as the schema makes it, with a copy of its attributes', () => {
    /** The same event in objects without a prototype, as some JSON readers make them. */
    const prototypeless = (event: Record<string, unknown>) =>
      Object.assign(Object.create(null) as object, event, event.attributes === undefined ? {} : { attributes: Object.assign(Object.create(null) as object, event.attributes) });
    fc.assert(
      fc.property(validEvent, (event) => {
        for (const input of [event, prototypeless(event)]) {
          const plain = plainlyValidEvent(input);
          expect(JSON.stringify(plain)).toBe(JSON.stringify(orderEventShape.parse(event)));
          expect(plain!.attributes).not.toBe(event.attributes);
        }
        const callerFields = plainlyValidCallerFields(event.order_id, event.state, event.attributes ?? {});
        expect(JSON.stringify(callerFields)).toBe(JSON.stringify(orderEventShape.parse(event).attributes));
      }),
      { numRuns: 500 },
    );
  });

  /** `value` as JSON.parse makes it of its JSON, with its fields in reverse order when asked. */
  const fromJson = (value: unknown, reverse: boolean): unknown => {
    const reordered = reverse && typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value;
    return JSON.parse(JSON.stringify(reordered) ?? 'null') as unknown;
  };

  it("gives a fresh value (`fresh`) the same verdict, and returns it itself only when it already is the schema's event", () => {
    let reused = 0;
    fc.assert(
      fc.property(fc.oneof(validEvent.map((event) => orderEventShape.parse(event)), validEvent, changedEvent), fc.boolean(), (value, reverse) => {
        const input = fromJson(value, reverse);
        const before = JSON.stringify(input);
        const checked = checkEventShape(input, { fresh: true });
        expect(checked).toEqual(checkEventShape(fromJson(input, false)));
        expect(JSON.stringify(input)).toBe(before);
        if (!('event' in checked)) return;
        const parsed = orderEventShape.parse(input);
        expect(JSON.stringify(checked.event)).toBe(JSON.stringify(parsed));
        expect(Object.keys(checked.event)).toEqual(Object.keys(parsed));
        if (checked.event !== input) return;
        reused++;
        expect(Object.keys(input as object)).toEqual(Object.keys(parsed));
        expect(Object.keys(checked.event.attributes)).toEqual(Object.keys(parsed.attributes));
      }),
      { numRuns: 3000 },
    );
    expect(reused).toBeGreaterThan(300);
  });

  it("returns a fresh event in the schema's form itself, and copies one that is not", () => {
    const full = { ...valid, seq: 3, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', attributes: { segment: 'b2b', amount: 12 } };
    const input = fromJson(full, false) as typeof full;
    const checked = checkEventShape(input, { fresh: true });
    expect('event' in checked && checked.event).toBe(input);
    // Without `fresh`, a value is never the event: the caller may change it afterwards.
    const notFresh = checkEventShape(input);
    expect('event' in notFresh && notFresh.event).not.toBe(input);
    expect('event' in notFresh && notFresh.event).toEqual(input);
    const { seq: _seq, ...withoutSeq } = full;
    const { attributes: _attributes, ...withoutAttributes } = full;
    const nullPrototype = Object.assign(Object.create(null) as object, fromJson(full, false));
    const nullPrototypeAttributes = { ...(fromJson(full, false) as object), attributes: Object.assign(Object.create(null) as object, full.attributes) };
    // Only the last field out of its place (seq after attributes).
    const seqLast = fromJson({ ...withoutSeq, seq: full.seq }, false);
    for (const other of [fromJson(withoutSeq, false), fromJson(withoutAttributes, false), fromJson(full, true), seqLast, nullPrototype, nullPrototypeAttributes]) {
      const copied = checkEventShape(other, { fresh: true });
      expect('event' in copied).toBe(true);
      if (!('event' in copied)) continue;
      expect([copied.event === other, copied.event.attributes === (other as { attributes?: unknown }).attributes]).toEqual([false, false]);
      expect(JSON.stringify(copied.event)).toBe(JSON.stringify(orderEventShape.parse(other)));
    }
  });

  it("reads a caller's order_id, state and attributes (plainlyValidCallerFields) only where the schema accepts each, with the schema's attributes", () => {
    const shape = orderEventShape.shape;
    let accepted = 0;
    fc.assert(
      fc.property(changedEvent, (input) => {
        const { order_id, state, attributes = {} } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
        const copy = plainlyValidCallerFields(order_id, state, attributes);
        if (copy === undefined) return;
        accepted++;
        expect(shape.order_id.safeParse(order_id).success).toBe(true);
        expect(shape.state.safeParse(state).success).toBe(true);
        const parsed = shape.attributes.safeParse(attributes);
        expect(parsed.success).toBe(true);
        expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed.data));
        expect(copy).not.toBe(attributes);
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
