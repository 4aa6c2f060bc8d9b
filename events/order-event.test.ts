import fc from 'fast-check';
import { validateOrderEvent, orderIdProblem, LIMITS } from './order-event';
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
