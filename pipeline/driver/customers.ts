import { isRetriable, sleep } from '../../common';
import type { NewOrder } from '../shared/messages';
import type { PipelineClient } from './client';
import { runLimited } from './floor';

export interface CustomerOptions {
  /** Orders per second. */
  readonly rate: number;
  /** How many orders; unbounded when undefined (until stopped). */
  readonly count?: number;
  /** The i-th order. */
  readonly order: (i: number) => NewOrder;
  /** Called with each placed order's id and index. */
  readonly onPlaced?: (orderId: string, i: number) => void;
  /** Orders being placed at once at most (requests in flight). Default 16. */
  readonly parallel?: number;
  readonly signal?: AbortSignal;
}

/**
 * Customers placing orders at a steady rate: order i is due at start + i / rate, whatever the time
 * earlier orders took, up to `parallel` requests in flight. Each order has an idempotency key, so an
 * order retried after a timeout is placed once. Resolves with the number placed.
 */
export async function placeOrders(client: PipelineClient, options: CustomerOptions): Promise<number> {
  const started = Date.now();
  const runKey = `${started.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let placed = 0;
  const placeOne = async (i: number) => {
    await sleep(Math.max(0, started + (i * 1000) / options.rate - Date.now()), options.signal).catch(() => undefined);
    for (let attempt = 0; !options.signal?.aborted; attempt++) {
      try {
        const order = await client.placeOrder(options.order(i), `driver-${runKey}-${i}`);
        placed += 1;
        options.onPlaced?.(order.order_id, i);
        return;
      } catch (err) {
        if (!isRetriable(err) || attempt >= 5) throw err;
        await sleep(500 * (attempt + 1), options.signal).catch(() => undefined);
      }
    }
  };
  if (options.count !== undefined) {
    await runLimited(Array.from({ length: options.count }, (_, i) => () => placeOne(i)), options.parallel ?? 16);
    return placed;
  }
  // Unbounded: one batch of a second's worth of orders after another, until aborted.
  for (let next = 0; !options.signal?.aborted; ) {
    const batch = Math.max(1, Math.ceil(options.rate));
    await runLimited(Array.from({ length: batch }, (_, k) => () => placeOne(next + k)), options.parallel ?? 16);
    next += batch;
  }
  return placed;
}
