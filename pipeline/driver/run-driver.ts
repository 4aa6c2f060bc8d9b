import { setMaxListeners } from 'node:events';
import type { Logger } from '../../common';
import { orderFromCatalogue, partCatalogue } from './catalogue';
import { PipelineClient, type PipelineUrls } from './client';
import { placeOrders } from './customers';
import { startFloor } from './floor';

export interface DriverOptions {
  readonly urls: PipelineUrls;
  /** Orders per second. */
  readonly rate: number;
  /** Orders in all; unbounded when undefined. */
  readonly orders?: number;
  /** Distinct parts customers order. */
  readonly parts: number;
  readonly logger: Logger;
}

/**
 * The world around the pipeline, for demos and load: customers place orders at a steady rate from a
 * catalogue of parts, operators confirm what is assigned to them, and the shop floor starts, finishes
 * and ships production orders. It is a client of the services' APIs only, and is not instrumented:
 * it stands for people, not for a system of the pipeline. Resolves with a function that stops it.
 */
export function runDriver(options: DriverOptions): { done: Promise<void>; stop: () => Promise<void> } {
  const client = new PipelineClient(options.urls);
  const catalogue = partCatalogue(options.parts, 'P');
  const floor = startFloor(client);
  const abort = new AbortController();
  // Every order placed waits on it (its retries' sleeps): hundreds at once at a high rate, no leak.
  setMaxListeners(0, abort.signal);
  const report = setInterval(() => options.logger.info({ ...floor.counts }, 'driver progress'), 10_000);
  report.unref();
  const placing = placeOrders(client, {
    rate: options.rate,
    count: options.orders,
    order: (i) => orderFromCatalogue(i, catalogue),
    signal: abort.signal,
  }).then((n) => options.logger.info({ placed: n }, 'customers are done placing orders'));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      abort.abort();
      await placing.catch(() => undefined);
      await floor.stop();
      clearInterval(report);
    })());
  return { done: placing, stop };
}
