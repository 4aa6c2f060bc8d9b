import { formatG4, humanizeDuration, humanizePercentage, printfWhole } from './go-format';

describe("Go's formatting as Prometheus' alert templates use it", () => {
  it('%.4g: four significant digits, trailing zeros dropped, exponent outside 1e-4..1e4 (values not halfway between two)', () => {
    expect([0, 10, 9.999999999999998, 2.2499999999999964, 0.5, 100, 1234.4, 12346, 0.00001234].map(formatG4)).toEqual([
      '0', '10', '10', '2.25', '0.5', '100', '1234', '1.235e+04', '1.234e-05',
    ]);
  });

  it('humanizePercentage', () => {
    expect([0.1, 0.0225, 1, 0.051].map(humanizePercentage)).toEqual(['10%', '2.25%', '100%', '5.1%']);
  });

  it('humanizeDuration: whole seconds from a minute up, four digits below, milliseconds below a second', () => {
    expect([119.4, 3600, 90061, 5.5, 0.25, 0].map(humanizeDuration)).toEqual(['1m 59s', '1h 0m 0s', '1d 1h 1m 1s', '5.5s', '250ms', '0s']);
  });

  it('printf "%.0f"', () => {
    expect([1.0625, 3, 6000].map(printfWhole)).toEqual(['1', '3', '6000']);
  });
});
