import path from 'node:path';
import { connect, type Channel, type ChannelModel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import type { Registry } from 'prom-client';
import { orderEventShape } from '../../events';
import { ConfigError, describeError, OrderscopeError, UnavailableError, type Logger } from '../../common';
import { createAgentMetrics, createSpoolingSender, parseAttributeSpecs, ThrottledWarning, type EventSender } from '../shared';
import { parseBinding, type TapBinding } from './bindings';
import { messageEvent, type MessageEventRules } from './message-event';
import { parseFieldReader, type FieldReader } from './message-fields';
import { createAmqpTapMetrics, type AmqpTapMetrics } from './metrics';
import { DEFAULT_QUEUE_MAX_LENGTH, defaultTapQueueName, tapQueuePlan, type TapQueuePlan } from './tap-queue';

export interface AmqpTapOptions {
  amqpUrl: string;
  /** `exchange:routingKey[=state]`, one per binding. */
  bindings: readonly string[];
  /** Where the order id is: `header:<name>` or `json:<path>`. */
  orderId: string;
  /** The state of bindings that do not name one. */
  state?: string;
  /** The `source` of the events: the system whose messages these are (e.g. shop for what the shop publishes). */
  source: string;
  /**
   * The tap queue's name. It is durable and shared, so messages published while the tap is down (a
   * restart, a crash) wait in it. Default `orderscope.tap.<source>.<hash of the bindings>`: replicas
   * of one tap share it, taps of different bindings never do. See {@link defaultTapQueueName}.
   */
  queue?: string;
  /**
   * Messages the tap queue holds at most; beyond it RabbitMQ drops the oldest and the tap counts them
   * (`orderscope_amqp_tap_overflowed_total`). Default 100 000.
   */
  queueMaxLength?: number;
  /** Unacknowledged messages at most (the tap acks once an event is durable). Default 500. */
  prefetch?: number;
  /** Extra attributes: `name=header:<header>` or `name=json:<path>`. */
  attributes?: readonly string[];
  collectorUrl: string;
  token: string;
  /** Default `.orderscope/spool/amqp-tap-<source>`. */
  spoolDir?: string;
  /** Default 256 MiB. */
  spoolMaxBytes?: number;
  /** How long close() may take to deliver what is buffered. Default 5 s. */
  shutdownTimeoutMs?: number;
  logger: Logger;
  registry: Registry;
}

/** The AMQP reply code of a queue declared again with other arguments (or other durability, exclusivity). */
const PRECONDITION_FAILED = 406;

/** How long a message whose event could not be made durable waits before it goes back to RabbitMQ (no hot loop). */
const REQUEUE_DELAY_MS = 1000;

/**
 * The AMQP tap: a queue of its own, bound to the application's exchanges, receives a copy of every
 * message published there (the application's queues and consumers are untouched), and each copy
 * becomes a "message seen" order event sent through the agent's spooling sender. A message is
 * acknowledged only once its event is durable (accepted by the collector, or in the spool); if the
 * tap dies before, RabbitMQ delivers it again and the event_id, derived from the message, is the same.
 *
 * The tap queue is durable and outlives the tap: what is published while the tap is stopped or
 * killed is delivered when it is back. It is bounded ({@link AmqpTapOptions.queueMaxLength}); what
 * RabbitMQ drops beyond the bound is dead-lettered to an overflow queue that the tap drains to count
 * it (`orderscope_amqp_tap_overflowed_total`), so a loss is never silent. See {@link tapQueuePlan}.
 *
 * The connection recovers by itself (amqplib's recovery, re-declaring the queue and bindings).
 */
export class AmqpTap {
  readonly metrics: AmqpTapMetrics;
  private readonly bindings: TapBinding[];
  private readonly queue: TapQueuePlan;
  private readonly rules: MessageEventRules;
  private readonly sender: EventSender;
  private readonly warnings: ThrottledWarning;
  private connection: RecoveringChannelModel | undefined;
  private readonly pending = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private consuming: { channel: Channel; tags: string[] } | undefined;

  /** Validates the options (ConfigError naming the flag) and starts opening the spool; connects nothing yet. */
  constructor(private readonly options: AmqpTapOptions) {
    const source = orderEventShape.shape.source.safeParse(options.source);
    if (!source.success) throw new ConfigError(`--source: "${options.source}" is not a source name: ${source.error.issues[0]?.message}`);
    if (options.bindings.length === 0) throw new ConfigError('--bind: give at least one exchange:routingKey to tap');
    this.bindings = options.bindings.map((b) => parseBinding(b, options.state));
    const maxLength = options.queueMaxLength ?? DEFAULT_QUEUE_MAX_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new ConfigError(`--queue-max-length: ${maxLength} is not a positive whole number of messages`);
    this.queue = tapQueuePlan(options.queue ?? defaultTapQueueName(options.source, this.bindings), maxLength);
    this.rules = { source: options.source, bindings: this.bindings, orderId: parseFieldReader(options.orderId, '--order-id'), attributes: parseAttributes(options.attributes ?? []) };
    this.metrics = createAmqpTapMetrics(options.registry);
    this.warnings = new ThrottledWarning(options.logger);
    this.sender = createSpoolingSender({
      collectorUrl: options.collectorUrl,
      token: options.token,
      spoolDir: path.resolve(options.spoolDir ?? path.join('.orderscope', 'spool', `amqp-tap-${options.source}`)),
      spoolMaxBytes: options.spoolMaxBytes ?? 256 * 1_048_576,
      metrics: createAgentMetrics(options.registry),
      logger: options.logger,
    });
  }

  /** Connects, declares and binds the tap queue and starts consuming. Resolves once the first connection is set up. */
  async start(): Promise<void> {
    // The spool first: a spool directory in use by another tap is a deployment error, said at once.
    await this.sender.ready();
    this.sender.start();
    const connection = await connect(this.options.amqpUrl, {
      recovery: {
        // A broker unreachable at start is a deployment problem, reported at once; later outages are ridden out.
        initialMaxRetries: 3,
        maxDelay: 10_000,
        setup: (model: ChannelModel) => this.setUp(model),
        waitForConnect: true,
      },
    }).catch((err: unknown) => {
      throw setupError(err, this.options.amqpUrl, this.queue.queue);
    });
    this.connection = connection;
    connection.on('disconnect', (err: Error) => this.options.logger.warn({ error: describeError(err) }, 'lost the RabbitMQ connection; reconnecting'));
    connection.on('connect', () => this.options.logger.info('connected to RabbitMQ'));
    connection.on('reconnect-failed', (err: Error) => this.options.logger.error({ error: describeError(err) }, 'gave up reconnecting to RabbitMQ'));
    this.options.logger.info({ bindings: this.bindings, queue: this.queue.queue, max_length: this.queue.queueArguments['x-max-length'] }, 'tapping exchanges');
  }

  /** Stops consuming, waits for the events in hand to be durable (acking their messages), disconnects and flushes the sender. Safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const consuming = this.consuming;
      this.consuming = undefined;
      for (const tag of consuming?.tags ?? []) await consuming?.channel.cancel(tag).catch(() => undefined);
      await Promise.allSettled([...this.pending]);
      // Closing the channel first flushes its acks: Channel.Close follows them on the channel and waits
      // for CloseOk, whereas a connection closed right after the acks may reach RabbitMQ before them,
      // and every message would be delivered again.
      await consuming?.channel.close().catch(() => undefined);
      await this.connection?.close().catch(() => undefined);
      await this.sender.close(this.options.shutdownTimeoutMs ?? 5000);
    })());
  }

  /**
   * Run on every (re)connection: the queues and bindings are declared again, then consumed. The
   * overflow queue is declared first, so that nothing the tap queue drops is routed nowhere.
   */
  private async setUp(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.options.logger.warn({ error: describeError(err) }, 'the tap channel failed'));
    await channel.prefetch(this.options.prefetch ?? 500);
    const { queue, queueArguments, overflowQueue, overflowArguments } = this.queue;
    await channel.assertQueue(overflowQueue, { durable: true, arguments: overflowArguments });
    await channel.assertQueue(queue, { durable: true, arguments: queueArguments });
    for (const binding of this.bindings) await channel.bindQueue(queue, binding.exchange, binding.routingKey);
    const overflow = await channel.consume(overflowQueue, (message) => this.onOverflow(channel, message), { noAck: false });
    const tap = await channel.consume(queue, (message) => this.onMessage(channel, message), { noAck: false });
    this.consuming = { channel, tags: [tap.consumerTag, overflow.consumerTag] };
  }

  /** A message RabbitMQ dropped from the full tap queue: counted, logged (throttled) and acknowledged. */
  private onOverflow(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) return;
    this.metrics.overflowed.inc();
    this.warnings.warn(
      'overflow',
      { queue: this.queue.queue, max_length: this.queue.queueArguments['x-max-length'] },
      'the tap queue is full: RabbitMQ drops its oldest messages, and their order events are lost (raise --queue-max-length to ride out longer outages, or find why the tap falls behind)',
    );
    settle(() => channel.ack(message));
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.options.logger.warn('RabbitMQ cancelled the tap consumer (was the queue deleted?); it is set up again on the next reconnection');
      return;
    }
    this.metrics.messages.inc();
    const verdict = messageEvent(message, this.rules, new Date());
    if (!verdict.ok) {
      this.metrics.dropped.inc({ reason: verdict.reason });
      this.warnings.warn(verdict.reason, { exchange: message.fields.exchange, routing_key: message.fields.routingKey, error: verdict.error }, 'a tapped message produced no order event');
      settle(() => channel.ack(message));
      return;
    }
    const delivery = this.sender.deliver([verdict.event]).then(
      () => settle(() => channel.ack(message)),
      (err: unknown) => {
        this.metrics.requeued.inc();
        this.warnings.warn('requeue', { error: describeError(err) }, 'cannot make tapped events durable right now; their messages go back to RabbitMQ');
        setTimeout(() => settle(() => channel.nack(message, false, true)), REQUEUE_DELAY_MS).unref();
      },
    );
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }
}

/**
 * Acks and nacks on a channel that closed meanwhile (a lost connection) throw: RabbitMQ then
 * delivers the message again by itself, which is the outcome we want, so the error is moot.
 */
function settle(acknowledge: () => void): void {
  try {
    acknowledge();
  } catch {
    // see above
  }
}

/** A failed first connection or setup, in words that say what to check; the URL's password left out. */
function setupError(err: unknown, amqpUrl: string, queue: string): OrderscopeError {
  const code = (err as { code?: unknown }).code;
  const message = describeError(err).replace(/^Operation failed: \w+; /, '');
  if (code === PRECONDITION_FAILED) {
    return new ConfigError(
      `the tap queue "${queue}" (or its "${queue}.overflow") exists on RabbitMQ with other arguments than this tap declares (an earlier version's queue, or another --queue-max-length): ${message}. ` +
        `Delete it (rabbitmqctl delete_queue ${queue}, or in the management UI; messages still in it are lost) and start the tap again, or give --queue another name`,
      err,
    );
  }
  if (code === 404) return new ConfigError(`RabbitMQ refused to bind the tap queue: ${message} (the application declares its exchanges; check --bind)`, err);
  if (code === 403) return new ConfigError(`RabbitMQ refused the tap: ${message} (check the user's permissions in --amqp-url)`, err);
  const url = URL.canParse(amqpUrl) ? Object.assign(new URL(amqpUrl), { password: '' }).toString() : 'the --amqp-url';
  return new UnavailableError(`cannot set up the tap on RabbitMQ at ${url}: ${message}`, err);
}

/** `--attribute name=header:<name>` or `name=json:<path>`, one per value (a JSON path may hold a comma). */
function parseAttributes(specs: readonly string[]): Map<string, FieldReader> {
  const parsed = parseAttributeSpecs(specs, {
    expected: 'name=header:<name> or name=json:<path> with a valid attribute name other than exchange and routing_key',
    reserved: ['exchange', 'routing_key'],
  });
  return new Map(parsed.map(({ name, source }) => [name, parseFieldReader(source, `--attribute ${name}`)]));
}
