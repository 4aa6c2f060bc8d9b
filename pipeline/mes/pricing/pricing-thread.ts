/**
 * A pricing thread of the pricing pool: runs cost analyses off the worker's event loop, so that
 * RabbitMQ heartbeats, HTTP scrapes and the agent's sends go on while a part is priced.
 */
import { parentPort } from 'node:worker_threads';
import type { PartSpec } from '../../shared/messages';
import { pricePart } from './price-part';

parentPort!.on('message', (task: { id: number; part: PartSpec; iterations: number }) => {
  try {
    parentPort!.postMessage({ id: task.id, result: pricePart(task.part, task.iterations) });
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: (err as Error).message });
  }
});
