import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PartSpec } from '../../shared/messages';
import type { PricedPart } from './price-part';

interface Task {
  readonly id: number;
  readonly part: PartSpec;
  resolve(result: PricedPart): void;
  reject(err: Error): void;
}

/**
 * A fixed pool of pricing threads (node:worker_threads): `size` cost analyses run in parallel on as
 * many cores, which a single Node event loop cannot do with CPU-bound work. Tasks beyond `size`
 * wait in order. A thread that dies is replaced; its task fails (and its message is retried).
 */
export class PricingPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly iterations: number,
    private readonly threadFile: string = path.join(__dirname, 'pricing-thread.js'),
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** Prices a part on a free thread. */
  price(part: PartSpec): Promise<PricedPart> {
    if (this.closed) return Promise.reject(new Error('the pricing pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, part, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the threads; waiting and running tasks fail. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the pricing pool closed'));
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ id: task.id, part: task.part, iterations: this.iterations });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.threadFile);
    // Threads do not keep the process alive on their own; the worker's consumers do.
    worker.unref();
    worker.on('message', (reply: { id: number; result?: PricedPart; error?: string }) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (task) {
        if (reply.result) task.resolve(reply.result);
        else task.reject(new Error(`pricing failed: ${reply.error}`));
      }
      this.dispatch();
    });
    worker.on('error', (err) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      const idle = this.idle.indexOf(worker);
      if (idle >= 0) this.idle.splice(idle, 1);
      task?.reject(err);
      if (!this.closed) {
        this.idle.push(this.spawn());
        this.dispatch();
      }
    });
    return worker;
  }
}
