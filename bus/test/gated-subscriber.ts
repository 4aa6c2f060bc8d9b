import type { InProcessBus } from '../in-process-bus';

/**
 * Subscribes to `bus` a handler that holds every batch until `release()` is called, then records
 * its order ids in `applied`: the first publish is then taken and held, and later ones wait in the
 * bus's queue, where a test can refuse or withdraw them.
 */
export async function gatedSubscriber(bus: InProcessBus): Promise<{ applied: string[]; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const applied: string[] = [];
  await bus.subscribe(async (batch) => {
    await gate;
    applied.push(...batch.map((e) => e.order_id));
  });
  return { applied, release };
}
