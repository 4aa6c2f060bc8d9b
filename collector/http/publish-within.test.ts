import { InProcessBus, type EventPublisher, type PublishOptions } from '../../bus';
import { UnavailableError } from '../../common';
import { gatedSubscriber } from '../../bus/test/gated-subscriber';
import { numberedEvent } from '../../bus/test/numbered-event';
import { GiveUp, publishWithin, PublishTimeoutError } from './publish-within';

const EVENTS = [numberedEvent(1)];

/** A double of our own EventPublisher: each publish waits until the test settles it. */
function heldBus() {
  const calls: { options: PublishOptions | undefined; resolve: () => void; reject: (err: unknown) => void }[] = [];
  const bus: EventPublisher = {
    start: async () => {},
    publish: (_events, options) => new Promise<void>((resolve, reject) => calls.push({ options, resolve, reject })),
    isReady: () => true,
    close: async () => {},
  };
  return { bus, calls };
}

describe('publishWithin', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves when the bus acknowledges in time, and leaves no timer behind', async () => {
    const { bus, calls } = heldBus();
    const published = publishWithin(bus, EVENTS, 1000);
    await jest.advanceTimersByTimeAsync(999);
    calls[0]!.resolve();
    await expect(published).resolves.toBeUndefined();
    expect(calls[0]!.options?.signal?.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("rejects with the bus's own error, and leaves no timer behind", async () => {
    const { bus, calls } = heldBus();
    const published = publishWithin(bus, EVENTS, 1000);
    const error = new UnavailableError('broker unreachable');
    calls[0]!.reject(error);
    await expect(published).rejects.toBe(error);
    expect(calls[0]!.options?.signal?.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with the error of a bus that throws instead of rejecting, and leaves no timer behind', async () => {
    const error = new Error('a bug in a bus');
    const bus: EventPublisher = { ...heldBus().bus, publish: () => { throw error; } };
    await expect(publishWithin(bus, EVENTS, 1000)).rejects.toBe(error);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with PublishTimeoutError when the bus never answers, and tells the bus it gave up', async () => {
    const { bus, calls } = heldBus();
    const published = publishWithin(bus, EVENTS, 1000);
    const heard: string[] = [];
    calls[0]!.options!.signal!.addEventListener('abort', () => heard.push('withdrawn'), { once: true });
    const outcome = published.catch((err: unknown) => err);
    await jest.advanceTimersByTimeAsync(999);
    expect(heard).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(PublishTimeoutError);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe('no acknowledgement within 1000 ms');
    expect(calls[0]!.options?.signal?.aborted).toBe(true);
    expect(heard).toEqual(['withdrawn']);
    // The bus answering later changes nothing.
    calls[0]!.resolve();
    await expect(published).rejects.toBe(err);
  });

  it('withdraws the events from a real bus that still holds them', async () => {
    const bus = new InProcessBus();
    const { applied, release } = await gatedSubscriber(bus);
    const first = bus.publish([numberedEvent(0)]);
    const late = publishWithin(bus, EVENTS, 1000).catch((err: unknown) => err);
    await jest.advanceTimersByTimeAsync(1000);
    expect(await late).toBeInstanceOf(PublishTimeoutError);
    release();
    await first;
    await bus.close();
    expect(applied).toEqual(['o0']);
  });
});

describe('GiveUp', () => {
  it('calls each listener once, in order, when it aborts, and none added afterwards', () => {
    const giveUp = new GiveUp();
    const heard: number[] = [];
    giveUp.addEventListener('abort', () => heard.push(1));
    giveUp.addEventListener('abort', () => heard.push(2));
    expect(giveUp.aborted).toBe(false);
    giveUp.abort();
    giveUp.abort();
    expect(giveUp.aborted).toBe(true);
    expect(heard).toEqual([1, 2]);
    giveUp.addEventListener('abort', () => heard.push(3));
    giveUp.abort();
    expect(heard).toEqual([1, 2]);
  });

  it('aborts without listeners', () => {
    const giveUp = new GiveUp();
    giveUp.abort();
    expect(giveUp.aborted).toBe(true);
  });
});
