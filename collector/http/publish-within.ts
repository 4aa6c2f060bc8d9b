import type { EventPublisher, GiveUpSignal } from '../../bus';
import { UnavailableError } from '../../common';
import type { OrderEvent } from '../../events';

/** The bus did not acknowledge a request's events within the collector's publishTimeoutMs. */
export class PublishTimeoutError extends UnavailableError {
  constructor(ms: number) {
    super(`no acknowledgement within ${ms} ms`);
  }
}

/**
 * Publishes within `timeoutMs`: resolves or rejects as the bus does, or rejects with
 * PublishTimeoutError when the time is up first, whatever the bus does then (a bus that never
 * answers included). At that moment the bus is told, through the publish's signal, that the caller
 * gave up, so it withdraws the events it still holds.
 *
 * One promise, one timer and a GiveUp, not AbortController and Promise.race: on Node 20 making an
 * AbortSignal takes microseconds (it is made transferable to workers) and its listeners go through
 * EventTarget. That, the race's second promise and its closures cost the collector's thread more
 * than the whole rest of a request's publish bookkeeping.
 */
export function publishWithin(bus: EventPublisher, events: readonly OrderEvent[], timeoutMs: number): Promise<void> {
  const giveUp = new GiveUp();
  return new Promise<void>((resolve, reject) => {
    // First: a bus that throws instead of rejecting rejects this promise, and leaves no timer behind.
    const published = bus.publish(events, { signal: giveUp });
    const timer = setTimeout(() => {
      giveUp.abort();
      reject(new PublishTimeoutError(timeoutMs));
    }, timeoutMs);
    timer.unref();
    published.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** A GiveUpSignal that fires once: each listener is called once, in the order it was added. */
export class GiveUp implements GiveUpSignal {
  private fired = false;
  private listeners: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.fired;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    // A listener added after the fact is not called, as with an AbortSignal: callers check `aborted` first.
    if (this.fired) return;
    (this.listeners ??= []).push(listener);
  }

  abort(): void {
    if (this.fired) return;
    this.fired = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
