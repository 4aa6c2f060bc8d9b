import type { IngestResult, OrderEventInput } from '../../../events';
import { describeError, OrderscopeError, UnavailableError, retry, sleep, type Logger, type Spool } from '../../../common';
import type { AgentMetrics, DropReason } from '../metrics';
import { ThrottledWarning } from '../throttled-warning';
import { isDeliveryRetriable, postBatch, retryDelayHint, type EventTransport } from './delivery';

export interface EventSenderOptions {
  transport: EventTransport;
  /**
   * Where events wait while the collector cannot take them, or the spool being opened (locking its
   * directory takes a moment, and the SDK's sender must exist at once). The sender closes it on
   * {@link EventSender.close}.
   */
  spool: Spool<OrderEventInput> | Promise<Spool<OrderEventInput>>;
  metrics: Pick<AgentMetrics, 'eventsTracked' | 'eventsSent' | 'eventsSpooled' | 'dropped' | 'retries' | 'spoolBytes' | 'bufferedEvents'>;
  logger: Logger;
  /** Events held in memory at most; beyond it trackOrder drops (counted). Default 10 000. */
  bufferSize?: number;
  /** Events per request. Default 500 (the collector takes up to 1000 by default). */
  batchSize?: number;
  /** How long a partial batch may wait for more events before it is sent. Default 200 ms. */
  lingerMs?: number;
  /** Requests to the collector in flight at once from the buffer. Default 2. */
  maxInFlight?: number;
  /** First backoff after a failed delivery of spooled events; doubles up to retryMaxDelayMs. Default 500 ms. */
  retryMinDelayMs?: number;
  /** Longest backoff, also the wait after a 401/403. Default 30 s. */
  retryMaxDelayMs?: number;
}

/** The spool could not take the events (full or failing): the caller of {@link EventSender.deliver} still owns them. */
export class NotDurableError extends OrderscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'not_durable', retriable: true, cause });
  }
}

interface Entry {
  readonly event: OrderEventInput;
  /** Set by deliver(): called once the event is delivered or spooled (no argument), or could not be made durable. */
  readonly settle?: (err?: Error) => void;
}

/**
 * Batches order events and delivers them to the collector without ever blocking the caller, and
 * without losing them when the collector is down:
 *
 * 1. Events wait in a bounded in-memory buffer until a batch is full or the linger time is up.
 * 2. While the spool is empty, a batch is posted directly (up to maxInFlight at once). If the post
 *    fails in a way worth retrying (network error, 429, 5xx, 401/403), the batch is written to the
 *    spool at once: from then on it survives a crash of the host.
 * 3. While the spool holds anything, new batches go to the spool too (so events keep their order and
 *    an outage does not fill memory), and one drain loop posts the oldest segment with exponential
 *    backoff (honouring Retry-After) and deletes it only after a 202.
 *
 * Per-event rejections, and whole batches the collector cannot read (400, 415), are logged and
 * counted as dropped: retrying cannot fix them. Everything else is retried until it is accepted.
 */
export class EventSender {
  private readonly buffer: Entry[] = [];
  private readonly bufferSize: number;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly retryMinDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private lingerTimer: NodeJS.Timeout | undefined;
  private dispatchScheduled = false;
  private inFlight = 0;
  /** Tracked events dropped after they were queued (spool full or failing, an unexpected error): what flush() reports. */
  private droppedUndurable = 0;
  private spoolWrites = 0;
  private readonly tasks = new Set<Promise<void>>();
  private draining: Promise<void> | undefined;
  private collectorDown = false;
  private closing: Promise<void> | undefined;
  /** Set once the last buffered events are in the spool: from then on events are refused. */
  private closed = false;
  private readonly stop = new AbortController();
  private readonly warnings: ThrottledWarning;
  /** Set once the spool is open; until then (or if it cannot be opened) batches are posted directly. */
  private spool: Spool<OrderEventInput> | undefined;
  private readonly spoolOpening: Promise<Spool<OrderEventInput>>;

  constructor(private readonly options: EventSenderOptions) {
    this.bufferSize = options.bufferSize ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.lingerMs = options.lingerMs ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.retryMinDelayMs = options.retryMinDelayMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
    this.warnings = new ThrottledWarning(options.logger);
    this.spoolOpening = Promise.resolve(options.spool);
    // An open spool is used from the first event on (one that holds an earlier run's events decides where new ones go).
    if (!(options.spool instanceof Promise)) this.spool = options.spool;
    this.spoolOpening.then(
      (spool) => {
        this.spool = spool;
        options.metrics.spoolBytes.set(spool.bytes);
      },
      (err: unknown) =>
        options.logger.error({ error: describeError(err) }, 'cannot use the spool: order events that the collector cannot take when they are sent are dropped (counted as spool_error)'),
    );
  }

  /** Resolves once the spool is open; rejects with why it cannot be (its directory in use by another process, say). */
  async ready(): Promise<void> {
    await this.spoolOpening;
  }

  /** Starts delivering what earlier processes left in the spool, once it is open. */
  start(): void {
    this.spoolOpening.then(
      (spool) => {
        if (!spool.isEmpty()) this.options.logger.info({ spool: spool.dir, bytes: spool.bytes }, 'delivering the events spooled by an earlier run');
        this.kickDrain();
      },
      () => undefined, // logged once, by the constructor
    );
  }

  /**
   * Queues one event, synchronously and without I/O. Never throws.
   * @returns false when the event was dropped (buffer full or sender closed; counted and logged).
   */
  enqueue(event: OrderEventInput): boolean {
    this.options.metrics.eventsTracked.inc();
    if (this.closed) return this.drop('closed', 'an order event was tracked after shutdown() completed; it is dropped');
    if (this.buffer.length >= this.bufferSize) {
      return this.drop('buffer_full', `the agent's in-memory buffer is full (${this.bufferSize} events): neither the collector nor the spool keep up; order events are dropped`);
    }
    this.push({ event });
    return true;
  }

  /**
   * Hands events over and resolves once every one of them is durable: accepted by the collector,
   * rejected by it as invalid (final, counted), or written to the spool. Rejects with
   * {@link NotDurableError} when some could not be made durable (buffer or spool full, shutting
   * down): the caller keeps them and tries again later (the AMQP tap leaves the message unacked).
   */
  deliver(events: readonly OrderEventInput[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new NotDurableError('the agent is shut down'));
    if (this.buffer.length + events.length > this.bufferSize) return Promise.reject(new NotDurableError(`the agent's in-memory buffer is full (${this.bufferSize} events)`));
    this.options.metrics.eventsTracked.inc(events.length);
    return new Promise((resolve, reject) => {
      let pending = events.length;
      let failure: Error | undefined;
      const settle = (err?: Error) => {
        failure ??= err;
        if (--pending > 0) return;
        if (failure) reject(failure);
        else resolve();
      };
      for (const event of events) this.push({ event, settle });
    });
  }

  /**
   * Resolves once every event queued before the call is durable: accepted by the collector (or
   * rejected by it as invalid, counted), or written to the spool. Events queued meanwhile are not
   * waited for, so a busy host's flush ends. For a host that must know its events survive a crash
   * before it acknowledges its own work (a job queue, a batch import). Rejects with
   * {@link NotDurableError} when events were dropped meanwhile (the spool full, failing or not open):
   * the host must not take them as kept.
   */
  async flush(): Promise<void> {
    const droppedBefore = this.droppedUndurable;
    await this.settleQueued();
    const dropped = this.droppedUndurable - droppedBefore;
    if (dropped > 0) throw new NotDurableError(`${dropped} order events could not be made durable (the spool is full, failing or not open; see the log) and were dropped`);
  }

  /** Waits until every event queued now has left the buffer and its batch is delivered, spooled or dropped. */
  private async settleQueued(): Promise<void> {
    const last = this.buffer.at(-1);
    for (;;) {
      this.dispatch(true);
      const tasks = [...this.tasks];
      // The buffer is first in, first out: once the last entry left it, every earlier one did too,
      // each into a task that ends when its batch is delivered or spooled.
      if (last === undefined || !this.buffer.includes(last)) {
        await Promise.allSettled(tasks);
        return;
      }
      // Still buffered: the collector is busy (maxInFlight requests); wait for one to finish.
      await Promise.race(tasks);
    }
  }

  /**
   * Sends what is buffered and waits, at most `timeoutMs`, until everything (spool included) is
   * delivered; then writes what is left to the spool for the next start and closes it. Events
   * tracked meanwhile (requests the host is still finishing) are taken along; only events tracked
   * after it resolved are dropped. Safe to call twice.
   */
  close(timeoutMs = 5000): Promise<void> {
    return (this.closing ??= this.shutDown(timeoutMs));
  }

  private push(entry: Entry): void {
    // The buffered-events gauge is set when batches move (dispatch), not here on the request path.
    this.buffer.push(entry);
    if (this.buffer.length >= this.batchSize) this.scheduleDispatch();
    else this.lingerTimer ??= unref(setTimeout(() => this.onLinger(), this.lingerMs));
  }

  private onLinger(): void {
    this.lingerTimer = undefined;
    this.dispatch(true);
  }

  /** Dispatches on the next turn of the event loop: the caller (a request handler) never waits for it. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch(false);
    });
  }

  /** Moves batches out of the buffer: full ones, and a partial one when it lingered long enough or on close. */
  private dispatch(flushPartial: boolean): void {
    const partialToo = flushPartial || this.closing !== undefined;
    while (this.buffer.length >= this.batchSize || (partialToo && this.buffer.length > 0)) {
      const spooling = this.spool?.isEmpty() === false || this.spoolWrites > 0 || this.stop.signal.aborted;
      if (!spooling && this.inFlight >= this.maxInFlight) {
        // The collector is up but busy: wait for a request to finish, unless memory runs short.
        if (this.buffer.length < this.bufferSize / 2) break;
      }
      const batch = this.buffer.splice(0, this.batchSize);
      this.track(spooling || this.inFlight >= this.maxInFlight ? this.spoolBatch(batch) : this.sendDirect(batch));
    }
    this.options.metrics.bufferedEvents.set(this.buffer.length);
    if (this.buffer.length > 0) this.lingerTimer ??= unref(setTimeout(() => this.onLinger(), this.lingerMs));
  }

  private async sendDirect(batch: Entry[]): Promise<void> {
    this.inFlight++;
    try {
      const result = await postBatch(this.options.transport, batch.map((e) => e.event), this.stop.signal);
      this.settleDelivered(batch, result);
    } catch (err) {
      if (!isDeliveryRetriable(err) && !this.stop.signal.aborted) {
        this.options.logger.error({ err }, 'unexpected error while sending order events; they are dropped');
        this.settleDropped(batch, 'rejected', err);
        return;
      }
      this.options.metrics.retries.inc();
      this.noteCollectorDown(err);
      await this.spoolBatch(batch);
    } finally {
      this.inFlight--;
      this.dispatch(false);
    }
  }

  private async spoolBatch(batch: Entry[]): Promise<void> {
    this.spoolWrites++;
    try {
      const spool = await this.spoolOpening;
      const written = await spool.append(batch.map((e) => e.event));
      this.options.metrics.eventsSpooled.inc(written);
      for (const entry of batch.slice(0, written)) entry.settle?.();
      if (written < batch.length) {
        this.settleDropped(batch.slice(written), 'spool_full', new NotDurableError(`the spool at ${spool.dir} is full`));
        this.warnings.warn('spool_full', { spool: spool.dir, bytes: spool.bytes }, 'the spool is full: order events are dropped until the collector takes events again (raise the spool size to ride out longer outages)');
      }
    } catch (err) {
      this.options.logger.error({ err, spool: this.spool?.dir }, 'cannot write order events to the spool; they are dropped');
      this.settleDropped(batch, 'spool_error', err);
    } finally {
      this.spoolWrites--;
      if (this.spool) this.options.metrics.spoolBytes.set(this.spool.bytes);
    }
    this.kickDrain();
  }

  private kickDrain(): void {
    const spool = this.spool;
    if (this.draining || this.stop.signal.aborted || !spool || spool.isEmpty()) return;
    this.draining = this.drainSpool(spool).then(
      () => {
        this.draining = undefined;
        // Segments appended while the loop was finishing would otherwise wait for the next append.
        this.kickDrain();
      },
      (err: unknown) => {
        this.draining = undefined;
        if (!this.stop.signal.aborted) this.options.logger.error({ err }, 'the spool drain stopped on an unexpected error; it resumes with the next spooled batch');
      },
    );
  }

  /** Delivers the spool, oldest segment first; a segment is deleted only once all its events were answered 202. */
  private async drainSpool(spool: Spool<OrderEventInput>): Promise<void> {
    const { metrics } = this.options;
    for (let segment = await spool.oldest(); segment; segment = await spool.oldest()) {
      if (segment.corruptLines > 0) {
        metrics.dropped.inc({ reason: 'spool_corrupt' }, segment.corruptLines);
        this.options.logger.error({ spool: spool.dir, segment: segment.id, lines: segment.corruptLines }, 'spooled lines could not be read back (a write torn by a crash); their events are lost');
      }
      for (let start = 0; start < segment.events.length; start += this.batchSize) {
        const events = segment.events.slice(start, start + this.batchSize);
        const result = await retry(() => postBatch(this.options.transport, events, this.stop.signal), {
          retries: Number.POSITIVE_INFINITY,
          minDelayMs: this.retryMinDelayMs,
          maxDelayMs: this.retryMaxDelayMs,
          retryOn: isDeliveryRetriable,
          delayHint: (err) => retryDelayHint(err, this.retryMaxDelayMs),
          signal: this.stop.signal,
          onRetry: (err) => {
            metrics.retries.inc();
            this.noteCollectorDown(err);
          },
        });
        this.countDelivered(events, result);
      }
      await spool.remove(segment.id);
      metrics.spoolBytes.set(spool.bytes);
    }
    if (this.collectorDown) {
      this.collectorDown = false;
      this.options.logger.info({ spool: spool.dir }, 'the collector takes order events again; the spool is delivered');
    }
  }

  private settleDelivered(batch: Entry[], result: IngestResult): void {
    this.countDelivered(batch.map((e) => e.event), result);
    for (const entry of batch) entry.settle?.();
  }

  private countDelivered(events: readonly OrderEventInput[], result: IngestResult): void {
    const { metrics, logger } = this.options;
    metrics.eventsSent.inc(events.length - result.rejected.length);
    if (result.rejected.length === 0) return;
    metrics.dropped.inc({ reason: 'rejected' }, result.rejected.length);
    // One line per batch, with a few examples: a producer bug rejects every event the same way.
    const examples = result.rejected.slice(0, 3).map((r) => ({ event_id: r.event_id, order_id: events[r.index]?.order_id, error: r.error }));
    logger.warn({ rejected: result.rejected.length, examples }, 'the collector rejected order events as invalid; they are dropped (fix the producer)');
  }

  /** Events that will not be delivered: those handed over by deliver() get the error (their owner keeps them); the others are counted. */
  private settleDropped(batch: Entry[], reason: DropReason, err: unknown): void {
    const error = err instanceof Error ? err : new NotDurableError(describeError(err));
    let counted = 0;
    for (const entry of batch) {
      if (entry.settle) entry.settle(error);
      else counted++;
    }
    this.options.metrics.dropped.inc({ reason }, counted);
    this.droppedUndurable += counted;
  }

  private drop(reason: DropReason, message: string): false {
    this.options.metrics.dropped.inc({ reason });
    this.warnings.warn(reason, {}, message);
    return false;
  }

  private noteCollectorDown(err: unknown): void {
    if (this.collectorDown || this.stop.signal.aborted) return;
    this.collectorDown = true;
    this.options.logger.warn(
      { error: describeError(err), spool: this.spool?.dir },
      'cannot deliver order events to the collector; keeping them in the spool and retrying with backoff',
    );
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private idle(): boolean {
    return this.buffer.length === 0 && this.inFlight === 0 && this.spoolWrites === 0 && (this.spool?.isEmpty() ?? true);
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    // Every timer of the sender is unref'ed; this one keeps the process alive until the spool is closed,
    // or a host that awaits shutdown() with nothing else to do would exit with events still in memory.
    const keepAlive = setTimeout(() => undefined, timeoutMs + 60_000);
    try {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
      const deadline = Date.now() + timeoutMs;
      this.dispatch(true);
      while (!this.idle() && Date.now() < deadline) {
        this.kickDrain();
        await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
        this.dispatch(true);
      }
      // Out of time: stop posting. Batches in flight are spooled by their own error path.
      this.stop.abort(new UnavailableError('the agent is shutting down'));
      await Promise.allSettled([...this.tasks]);
      await this.draining;
      while (this.buffer.length > 0) await this.spoolBatch(this.buffer.splice(0, this.batchSize));
      // No await between the buffer found empty and this: nothing can be left behind in memory.
      this.closed = true;
      this.options.metrics.bufferedEvents.set(0);
      const spool = await this.spoolOpening.catch(() => undefined);
      if (spool && !spool.isEmpty()) {
        this.options.logger.warn({ spool: spool.dir, bytes: spool.bytes }, 'shut down with undelivered order events; they stay in the spool and are sent at the next start');
      }
      await spool?.close();
    } finally {
      clearTimeout(keepAlive);
    }
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
