import { choice, flag, positiveNumber, text } from './args';

describe("benchmarks' argument readers", () => {
  const args = ['--rounds', '4', '--duration', '2.5', '--cpu-prof', '/tmp/profiles', '--endpoint', 'shop', '--empty'];

  it('reads a whole number, and its fallback when it is absent', () => {
    expect(flag(args, '--rounds', 9)).toBe(4);
    expect(flag(args, '--requests', 5000)).toBe(5000);
    expect(() => flag(args, '--duration', 1)).toThrow('--duration: "2.5" is not a positive whole number');
    expect(() => flag(['--rounds', '0'], '--rounds', 1)).toThrow('--rounds: "0" is not a positive whole number');
  });

  it('reads a positive number with fractions', () => {
    expect(positiveNumber(args, '--duration', 10)).toBe(2.5);
    expect(positiveNumber(args, '--warmup', 2)).toBe(2);
    expect(() => positiveNumber(['--warmup', '-1'], '--warmup', 2)).toThrow('--warmup: "-1" is not a positive number');
    expect(() => positiveNumber(['--warmup', 'soon'], '--warmup', 2)).toThrow('--warmup: "soon" is not a positive number');
    // Number('') is 0 and Number(' ') too: a flag with nothing after it is refused, not read as 0.
    expect(() => positiveNumber(['--warmup'], '--warmup', 2)).toThrow('--warmup: "" is not a positive number');
  });

  it('reads a value, and refuses a flag with none', () => {
    expect(text(args, '--cpu-prof')).toBe('/tmp/profiles');
    expect(text(args, '--out')).toBeUndefined();
    expect(() => text(args, '--empty')).toThrow('--empty needs a value, e.g. --empty /tmp/out');
    expect(() => text(['--cpu-prof', '--rounds', '2'], '--cpu-prof')).toThrow('--cpu-prof needs a value');
  });

  it('reads one of its choices, and names them all when it is none', () => {
    expect(choice(args, '--endpoint', ['trivial', 'shop', 'both'], 'both')).toBe('shop');
    expect(choice(args, '--count', ['time', 'instructions'], 'time')).toBe('time');
    expect(() => choice(['--endpoint', 'shp'], '--endpoint', ['trivial', 'shop', 'both'], 'both')).toThrow('--endpoint: "shp" is not trivial, shop or both');
  });
});
