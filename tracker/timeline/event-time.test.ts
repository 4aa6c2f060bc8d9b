import { formatEventTime, parseEventTime } from './event-time';

describe('event time', () => {
  it('applies the offset and keeps microseconds', () => {
    expect(parseEventTime('2026-03-29T03:30:00.123456+02:00')).toBe(Date.UTC(2026, 2, 29, 1, 30, 0) * 1000 + 123_456);
    expect(parseEventTime('2026-11-26T10:15:00Z')).toBe(Date.UTC(2026, 10, 26, 10, 15) * 1000);
    expect(parseEventTime('2026-11-26t10:15:00.5z')).toBe(Date.UTC(2026, 10, 26, 10, 15) * 1000 + 500_000);
  });

  it('rounds digits beyond the microsecond, as PostgreSQL stores them: ties to even', () => {
    const base = Date.UTC(2026, 10, 26, 10, 15) * 1000;
    expect(parseEventTime('2026-11-26T10:15:00.1234567Z') - base).toBe(123_457);
    expect(parseEventTime('2026-11-26T10:15:00.123456499Z') - base).toBe(123_456);
    expect(parseEventTime('2026-11-26T10:15:00.0000005Z') - base).toBe(0);
    expect(parseEventTime('2026-11-26T10:15:00.0000015Z') - base).toBe(2);
    expect(parseEventTime('2026-11-26T10:15:00.0000025Z') - base).toBe(2);
    expect(parseEventTime('2026-11-26T10:15:59.9999999Z') - base).toBe(60_000_000);
  });

  it('works before 1970', () => {
    expect(parseEventTime('1969-12-31T23:59:59.5Z')).toBe(-500_000);
    expect(formatEventTime(-500_000)).toBe('1969-12-31T23:59:59.500Z');
  });

  it('formats milliseconds like toISOString and microseconds when there are any', () => {
    expect(formatEventTime(Date.UTC(2026, 10, 26, 10, 15) * 1000)).toBe('2026-11-26T10:15:00.000Z');
    expect(formatEventTime(Date.UTC(2026, 10, 26, 10, 15) * 1000 + 123_456)).toBe('2026-11-26T10:15:00.123456Z');
    const us = parseEventTime('2026-11-26T11:15:00.000001+01:00');
    expect(parseEventTime(formatEventTime(us))).toBe(us);
  });

  it('says what is wrong with a timestamp it cannot read', () => {
    expect(() => parseEventTime('2026-11-26 10:15:00')).toThrow('is not an RFC 3339 timestamp with an offset');
    expect(() => parseEventTime('2026-13-40T10:15:00Z')).toThrow('is not an RFC 3339 timestamp');
  });
});
