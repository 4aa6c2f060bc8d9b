import { choice, flag, kafkaClients, positiveNumber, refuseUnknownFlags, text, UsageError } from './args';

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

  it('refuses a flag the usage does not name, and takes every one it does', () => {
    const usage = 'agent [--endpoint trivial|shop|both] [--duration 10]\nagent --count instructions [--warmup-requests 8000]';
    expect(() => refuseUnknownFlags(['--endpoint', 'shop', '--count', 'instructions', '--warmup-requests', '9', '--duration', '2'], usage)).not.toThrow();
    expect(() => refuseUnknownFlags(['--duration', '2', '--round', '3', '--warmup', '1'], usage)).toThrow(new UsageError('--round, --warmup: not an argument it takes'));
    // Values and positional words are the benchmark's to read.
    expect(() => refuseUnknownFlags(['trackers', '-5'], usage)).not.toThrow();
  });

  it('throws UsageError for every wrong argument, so that it is printed without a stack', () => {
    for (const wrong of [
      () => flag(['--rounds', 'x'], '--rounds', 1),
      () => positiveNumber(['--warmup', 'x'], '--warmup', 1),
      () => text(['--cpu-prof'], '--cpu-prof'),
      () => choice(['--endpoint', 'x'], '--endpoint', ['shop'], 'shop'),
      () => kafkaClients(['--client', 'x']),
    ]) {
      expect(wrong).toThrow(UsageError);
    }
  });
});
