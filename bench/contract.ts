import { readOrderEvent } from '../bus';
import { orderEventShape, validateOrderEvent } from '../events';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { benchEvent } from './support/bench-events';

/** The arguments it takes, for `npm run bench -- contract --help` and for a wrong argument. */
export const usage = 'contract [--events 20000] [--rounds 10]';

/**
 * `npm run bench -- contract` (its arguments: `usage` below): what checking an event against the
 * contract costs, beside what reading its JSON costs, per event on one thread. The collector does
 * both for every event it takes (validateOrderEvent, with the clock rule), and the tracker both again
 * when it decodes the bus (readOrderEvent: the shape alone). Both read the contract plainly first and
 * ask its zod schema only about what is not plainly valid; the schema alone, which both ran on every
 * event before, is measured beside them. Both callers hand over values JSON.parse made for them
 * (`fresh`), so that an event already in the schema's form is not copied; the collector's check of a
 * value that is not fresh is measured too. The events are the collector benchmark's; each round runs
 * the five over all of them, one after the other, so that the machine's state is shared.
 */
export async function run(args: string[]): Promise<void> {
  const count = flag(args, '--events', 20_000);
  const rounds = flag(args, '--rounds', 10);
  const now = Date.now();
  const bytes = Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify(benchEvent(now, i))));
  const inputs = bytes.map((b) => JSON.parse(b.toString('utf8')) as unknown);
  const clock = new Date(now);

  const ways = {
    json: () => bytes.every((b) => JSON.parse(b.toString('utf8')) !== null),
    collector: () => inputs.every((e) => validateOrderEvent(e, clock, { fresh: true }).ok),
    copied: () => inputs.every((e) => validateOrderEvent(e, clock).ok),
    bus: () => inputs.every((e) => 'event' in readOrderEvent(e, { fresh: true })),
    schema: () => inputs.every((e) => orderEventShape.safeParse(e).success),
  };
  const nanos = { json: 0n, collector: 0n, copied: 0n, bus: 0n, schema: 0n };
  // The first round warms the code up, unmeasured.
  for (let round = 0; round <= rounds; round++) {
    for (const [way, once] of Object.entries(ways) as [keyof typeof ways, () => boolean][]) {
      const start = process.hrtime.bigint();
      if (!once()) throw new Error(`an event of the benchmark failed its ${way} check`);
      if (round > 0) nanos[way] += process.hrtime.bigint() - start;
    }
  }
  const micros = (way: keyof typeof ways) => Number(nanos[way]) / 1000 / (count * rounds);

  printFigures(
    `contract: ${count.toLocaleString('en-US')} events of the collector benchmark, ${rounds} rounds, one thread`,
    [
      { label: 'validateOrderEvent (the collector: shape and clock)', value: micros('collector'), unit: 'µs per event' },
      { label: 'the same, of a value that is not fresh (copied)', value: micros('copied'), unit: 'µs per event' },
      { label: 'readOrderEvent (the tracker, decoding the bus)', value: micros('bus'), unit: 'µs per event' },
      { label: 'the zod schema alone (orderEventShape.safeParse)', value: micros('schema'), unit: 'µs per event' },
      { label: 'baseline: JSON.parse of the same event', value: micros('json'), unit: 'µs per event' },
    ],
    { label: 'validateOrderEvent / JSON.parse', value: micros('collector') / micros('json') },
  );
}
