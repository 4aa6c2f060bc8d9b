import fc from 'fast-check';
import { z } from 'zod';
import { commonUtcMicros, occurredAtMicros, readTimestamp } from './occurred-at';

/** The offset readTimestamp reads, NaN when the text is no timestamp. */
const offsetMinutes = (text: string) => readTimestamp(text)?.offsetMinutes ?? Number.NaN;

const MICROS_2026_11_26_10_15 = Date.UTC(2026, 10, 26, 10, 15) * 1000;

describe('occurred_at as microseconds', () => {
  it('applies the offset, reads T and Z in either case, and keeps every digit up to the microsecond', () => {
    expect(occurredAtMicros('2026-11-26T10:15:00Z')).toBe(MICROS_2026_11_26_10_15);
    expect(occurredAtMicros('2026-11-26t10:15:00z')).toBe(MICROS_2026_11_26_10_15);
    expect(occurredAtMicros('2026-11-26T16:00:00+05:45')).toBe(MICROS_2026_11_26_10_15);
    expect(occurredAtMicros('2026-11-26T06:45:00-03:30')).toBe(MICROS_2026_11_26_10_15);
    expect(occurredAtMicros('2026-11-26T10:15:00.5Z')).toBe(MICROS_2026_11_26_10_15 + 500_000);
    expect(occurredAtMicros('2026-11-26T10:15:00.000001Z')).toBe(MICROS_2026_11_26_10_15 + 1);
    expect(occurredAtMicros('2026-11-26T10:15:00.999999Z')).toBe(MICROS_2026_11_26_10_15 + 999_999);
  });

  it('rounds digits beyond the microsecond half to even, as PostgreSQL stores them', () => {
    const fraction = (digits: string) => occurredAtMicros(`2026-11-26T10:15:00.${digits}Z`) - MICROS_2026_11_26_10_15;
    expect(['1234564', '1234565', '1234566', '1234575', '0000005', '0000015', '9999995', '123456000'].map(fraction)).toEqual([
      123_456, 123_456, 123_457, 123_458, 0, 2, 1_000_000, 123_456,
    ]);
  });

  it('is NaN for anything but a whole RFC 3339 timestamp with an offset', () => {
    for (const text of [
      '2026-11-26T10:15:00',
      '2026-11-26 10:15:00Z',
      'x2026-11-26T10:15:00Z',
      '2026-11-26T10:15:00Zx',
      '2026-11-26T10:15:00+0100',
      '2026-11-26T10:15:00.Z',
      '2026-13-01T10:15:00Z',
      '2026-11-26T10:15:60Z',
      '',
    ]) {
      expect([text, occurredAtMicros(text)]).toEqual([text, Number.NaN]);
    }
  });
});

describe('the offset of occurred_at', () => {
  it('is minutes east of UTC: 0 for Z, negative west of it', () => {
    expect(['2026-11-26T10:15:00Z', '2026-11-26T10:15:00z', '2026-11-26T10:15:00+05:45', '2026-11-26T10:15:00-03:30', '2026-11-26T10:15:00.5+15:59'].map(offsetMinutes)).toEqual([
      0, 0, 345, -210, 959,
    ]);
  });

  it('is NaN without one, or with text around the timestamp', () => {
    for (const text of ['2026-11-26T10:15:00', 'x2026-11-26T10:15:00+01:00', '2026-11-26T10:15:00+01:00x', 'today']) {
      expect([text, offsetMinutes(text)]).toEqual([text, Number.NaN]);
    }
  });
});

describe('both readings of occurred_at at once', () => {
  it('are the instant and the offset, each as read alone; the offset of a month that does not exist, with a NaN instant', () => {
    for (const text of ['2026-11-26T10:15:00.1234565-03:30', '2026-11-26t10:15:00z']) {
      expect(readTimestamp(text)).toEqual({ micros: occurredAtMicros(text), offsetMinutes: offsetMinutes(text) });
    }
    expect(readTimestamp('2026-11-26T10:15:00+05:45')).toEqual({ micros: MICROS_2026_11_26_10_15 - 345 * 60_000_000, offsetMinutes: 345 });
    expect(readTimestamp('2026-13-01T10:15:00+20:00')).toEqual({ micros: Number.NaN, offsetMinutes: 1200 });
    expect(readTimestamp('2026-11-26T10:15:00')).toBeUndefined();
  });
});

describe('the common form of occurred_at, read digit by digit', () => {
  // The schema's own pattern for occurred_at (order-event.ts), which the plain reading skips for the common form.
  const DATETIME = z.regexes.datetime({ offset: true });
  const pad = (n: number, width: number) => String(n).padStart(width, '0');

  // Texts near the common form, each part drawn across and past its range, and the letters in either case.
  const nearlyCommon = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.option(fc.stringMatching(/^[0-9]{0,9}$/), { nil: undefined }),
      fc.constantFrom('T', 't', ' '),
      fc.constantFrom('Z', 'z', '+00:00', '+01:00', ''),
    )
    .map(([year, month, day, hour, minute, second, fraction, t, zone]) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${t}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? '' : `.${fraction}`}${zone}`,
    );

  it('reads the instant the full reading gives (which reads +00:00), and only texts of the contract\'s format', () => {
    fc.assert(
      fc.property(nearlyCommon, (text) => {
        const quick = commonUtcMicros(text);
        if (quick === undefined) return;
        expect(DATETIME.test(text)).toBe(true);
        expect(quick).toBe(readTimestamp(`${text.slice(0, -1)}+00:00`)!.micros);
        expect(readTimestamp(text)).toEqual({ micros: quick, offsetMinutes: 0 });
      }),
      { numRuns: 5000 },
    );
  });

  it('reads every field at the ends of its range, and each digit 0 to 9 in each place', () => {
    const cases: [string, number][] = [
      ['9999-12-28T23:59:59.999999Z', Date.UTC(9999, 11, 28, 23, 59, 59) * 1000 + 999_999],
      ['1000-01-01T00:00:00.0Z', Date.UTC(1000, 0, 1) * 1000],
      ['2019-09-19T19:19:19.9Z', Date.UTC(2019, 8, 19, 19, 19, 19) * 1000 + 900_000],
      ['1234-05-06T07:08:09.123456Z', Date.UTC(1234, 4, 6, 7, 8, 9) * 1000 + 123_456],
      ['7890-10-20T12:34:56.78901Z', Date.UTC(7890, 9, 20, 12, 34, 56) * 1000 + 789_010],
    ];
    for (const [text, micros] of cases) expect([text, commonUtcMicros(text)]).toEqual([text, micros]);
  });

  it('leaves a text with anything but a digit where a digit goes, or another separator, to the full reading', () => {
    const common = '2026-11-26T10:15:00.123456Z';
    const digitsAt = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25];
    for (const at of digitsAt) {
      for (const stranger of ['/', ':', 'a', ' ', '\u0660']) {
        const text = common.slice(0, at) + stranger + common.slice(at + 1);
        expect([text, commonUtcMicros(text)]).toEqual([text, undefined]);
      }
    }
    for (const at of [4, 7, 10, 13, 16, 19]) {
      const text = `${common.slice(0, at)}0${common.slice(at + 1)}`;
      expect([text, commonUtcMicros(text)]).toEqual([text, undefined]);
    }
    for (const text of ['2026-11-26T10:15:0Z', '2026-11-26T10:15Z', 'Z', '']) expect([text, commonUtcMicros(text)]).toEqual([text, undefined]);
  });

  it('reads what toISOString() writes, with or without the fraction, and leaves every other form to the full reading', () => {
    expect(commonUtcMicros('2026-11-26T10:15:00.000Z')).toBe(MICROS_2026_11_26_10_15);
    expect(commonUtcMicros('2026-11-26T10:15:00Z')).toBe(MICROS_2026_11_26_10_15);
    expect(commonUtcMicros('2026-11-26T10:15:00.5Z')).toBe(MICROS_2026_11_26_10_15 + 500_000);
    expect(commonUtcMicros('2026-11-26T10:15:00.000001Z')).toBe(MICROS_2026_11_26_10_15 + 1);
    expect(commonUtcMicros('1000-01-01T00:00:00Z')).toBe(Date.UTC(1000, 0, 1) * 1000);
    for (const text of [
      '2026-11-26T10:15:00.1234567Z', // past the microsecond: rounded by the full reading
      '2026-11-26t10:15:00z',
      '2026-11-26T10:15:00+00:00',
      '2026-11-29T10:15:00Z', // a day that not every month has
      '0999-11-26T10:15:00Z', // Date.UTC takes years below 100 as 19xx
      '2026-11-26T10:15:00.Z',
      '2026-11-26T24:00:00Z',
      '2026-1a-26T10:15:00Z',
    ]) {
      expect([text, commonUtcMicros(text)]).toEqual([text, undefined]);
    }
  });
});
