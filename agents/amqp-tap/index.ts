/**
 * The AMQP tap sidecar: a queue of its own on the application's exchanges, each message seen becomes
 * an order event. See {@link AmqpTap}.
 */
export { AmqpTap } from './amqp-tap';
export type { AmqpTapOptions } from './amqp-tap';
export { AMQP_TAP_METRICS, TAP_DROP_REASONS } from './metrics';
export { DEFAULT_QUEUE_MAX_LENGTH, defaultTapQueueName } from './tap-queue';
