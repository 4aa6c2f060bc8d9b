import { Spool, UnavailableError, describeError, type Logger } from '../common';
import type { OrderEvent } from '../events';
import type { BatchHandler, DeliveryContext, EventPublisher, EventSource, GiveUpSignal, PublishOptions, UnreadableMessage } from './bus';
import { BusFullError, IN_PROCESS_ORIGIN } from './in-process-bus';
import { readOrderEvent } from './kafka/decode-event';

export interface SpooledBusOptions {
  /** The directory of the spool's segment files; one process at a time (it is locked). */
  readonly dir: string;
  /** Bytes that accepted events not yet applied may take on disk; beyond them a publish is refused. Default 256 MiB. */
  readonly maxBytes?: number;
  /** A segment is one handler call: its size bounds a batch (~2,500 events per MiB). Default 1 MiB. */
  readonly segmentBytes?: number;
  /** The wait after a handler failure, doubled per failure up to 30 s. Default 250 ms. */
  readonly retryDelayMs?: number;
  /** What to do when another process holds `dir`, for the error. */
  readonly inUseHint?: string;
  readonly logger: Logger;
}

interface Pending {
  readonly events: readonly OrderEvent[];
  readonly signal: GiveUpSignal | undefined;
  resolve(): void;
  reject(err: unknown): void;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The bus of embedded mode, publisher and source at once, on a {@link Spool} on disk: what Kafka is
 * to the collector in production. A publish resolves once its events are written and fsynced, so a
 * 202 from the collector means "stored" without waiting for the tracker: ingest never waits behind a
 * long statement on the tracker's database (a year-long report holding PGlite's one connection).
 *
 * - Group commit: publishes that arrive while a write is in flight go together into the next write,
 *   one fsync for all of them.
 * - Bounded: when the not-yet-applied events reach `maxBytes`, a publish is refused at once with
 *   {@link BusFullError} (events of it already written are applied; the client's retry is harmless,
 *   apply is idempotent by event_id).
 * - Delivery is at-least-once: a segment is deleted only after the handler resolved for it; a crash
 *   in between delivers it again at the next start. A handler that rejects (the store is down) gets
 *   the same segment again after a growing wait.
 * - What cannot be read back as an order event goes to the handler as an unreadable message (a dead
 *   letter), never silently dropped; only a torn last line, which no publish was told was stored,
 *   is skipped (and logged).
 * - `close()` stops accepting, applies what was accepted while the handler succeeds, and leaves the
 *   rest on disk for the next start.
 */
export class SpooledBus implements EventPublisher, EventSource {
  private readonly spool: Spool<OrderEvent>;
  private readonly logger: Logger;
  private readonly retryDelayMs: number;
  private waiting: Pending[] = [];
  private writing: Promise<void> | undefined;
  private handler: BatchHandler | undefined;
  private pumping: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Set by every write, cleared by the pump before it looks: a write while it looks is never missed. */
  private appended = false;
  /** Callers of idle(), resolved when the pump next finds the spool empty. */
  private idleWaiters: (() => void)[] = [];
  private pumpIdle = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** Opens (creating) the bus's directory and locks it for this process; rejects with a ConfigError when another live process holds it. */
  static async open(options: SpooledBusOptions): Promise<SpooledBus> {
    const spool = await Spool.open<OrderEvent>({
      dir: options.dir,
      maxBytes: options.maxBytes ?? 256 * 1024 * 1024,
      segmentBytes: options.segmentBytes ?? 1024 * 1024,
      inUseHint: options.inUseHint ?? 'give every process its own bus directory',
    });
    return new SpooledBus(options, spool);
  }

  private constructor(options: SpooledBusOptions, spool: Spool<OrderEvent>) {
    this.logger = options.logger;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.spool = spool;
  }

  async start(): Promise<void> {}

  publish(events: readonly OrderEvent[], options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the bus is closed'));
    if (events.length === 0) return Promise.resolve();
    if (options.signal?.aborted) return Promise.reject(new UnavailableError('the publisher gave up before the events were queued'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, signal: options.signal, resolve, reject });
      this.writing ??= this.writeWaiting();
    });
  }

  async subscribe(handler: BatchHandler): Promise<void> {
    if (this.handler) throw new Error('the spooled bus delivers to one subscriber');
    this.handler = handler;
    this.pumping = this.pump();
  }

  isReady(): boolean {
    return !this.closed;
  }

  /**
   * Resolves once every event whose publish resolved before this call was applied (the spool was
   * found empty after them), or once the bus closed.
   */
  idle(): Promise<void> {
    if (this.closed || (this.pumpIdle && !this.appended && !this.writing)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      await this.writing;
      this.wake?.();
      await this.pumping;
      await this.spool.close();
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    })());
  }

  /** Writes everything that waits, in rounds (one write and one fsync each), until nothing does. */
  private async writeWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        // A publisher that gave up before its round is withdrawn: its client was told to retry.
        const round = this.waiting.splice(0).filter((p) => {
          if (!p.signal?.aborted) return true;
          p.reject(new UnavailableError('the publisher gave up before the events were stored; they were withdrawn'));
          return false;
        });
        let written = 0;
        try {
          written = await this.spool.append(round.flatMap((p) => p.events));
        } catch (err) {
          const error = new UnavailableError(`the events could not be stored in ${this.spool.dir}: ${describeError(err)}`, err);
          for (const p of round) p.reject(error);
          continue;
        }
        for (const p of round) {
          if (written >= p.events.length) p.resolve();
          else p.reject(new BusFullError(`the bus spool ${this.spool.dir}`, `${this.spool.bytes} bytes of events`));
          written -= p.events.length;
        }
        this.appended = true;
        this.wake?.();
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Hands the oldest segment to the handler and deletes it once applied, until closed and empty. */
  private async pump(): Promise<void> {
    let failures = 0;
    for (;;) {
      this.appended = false;
      const segment = await this.spool.oldest();
      if (!segment) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        if (this.closed) return;
        this.pumpIdle = true;
        if (!this.appended) await new Promise<void>((resolve) => (this.wake = resolve));
        this.pumpIdle = false;
        this.wake = undefined;
        continue;
      }
      if (segment.corruptLines > 0) {
        this.logger.warn({ segment: segment.id, lines: segment.corruptLines }, 'skipped lines of the bus spool that a crash cut short (no publish was told they were stored)');
      }
      const { batch, context } = readSegment(segment.events);
      try {
        await this.handler!(batch, context);
        await this.spool.remove(segment.id);
        failures = 0;
      } catch (err) {
        failures++;
        if (this.closed) {
          this.logger.warn({ err: describeError(err) }, 'the bus closed with events not yet applied; they stay on disk and are applied at the next start');
          return;
        }
        const delay = Math.min(this.retryDelayMs * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
        this.logger.warn({ err: describeError(err), retryInMs: delay }, 'the events could not be applied; trying again');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}

/** The order events of a segment, read as untrusted input: what is not one becomes an unreadable message. */
function readSegment(items: readonly unknown[]): { batch: OrderEvent[]; context: DeliveryContext } {
  const batch: OrderEvent[] = [];
  const unreadable: UnreadableMessage[] = [];
  for (const item of items) {
    const read = readOrderEvent(item);
    if ('event' in read) batch.push(read.event);
    else unreadable.push({ raw: Buffer.from(JSON.stringify(item)), reason: 'invalid_event', error: read.error, origin: IN_PROCESS_ORIGIN });
  }
  return { batch, context: { origins: batch.map(() => IN_PROCESS_ORIGIN), unreadable } };
}
