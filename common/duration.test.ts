import { parseDuration, formatDuration } from './duration';

describe('durations', () => {
  it.each([
    ['500ms', 0.5], ['30s', 30], ['5m', 300], ['2h', 7200], ['1d', 86_400], ['1w', 604_800], ['1h30m', 5400], ['1.5h', 5400], [' 10s ', 10],
  ])('parses %s as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ seconds });
  });

  it.each([
    ['5x', '"5x" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)'],
    ['5', '"5" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)'],
    ['', '"" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)'],
    ['-1m', '"-1m" is negative; durations must be positive'],
  ])('rejects %j', (text, error) => {
    expect(parseDuration(text)).toEqual({ error });
  });

  it.each([[0, '0s'], [0.25, '250ms'], [45, '45s'], [5400, '1h30m'], [90_061, '1d1h1m1s']])('formats %d s as %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
