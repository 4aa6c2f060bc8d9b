/**
 * The orderscope agent for Node services: {@link startAgent} sets up tracing, logs and metrics and
 * returns trackOrder. The sender and the spool are exported for the sidecars (agents/amqp-tap) and
 * the delivery helpers for agents/pg-outbox.
 */
export { startAgent, getAgent } from './start-agent';
export type { Agent } from './start-agent';
export { agentOptionsSchema, AGENT_TRACING_ENV } from './agent-options';
export type { AgentOptions } from './agent-options';
export type { TrackOrder, OrderAttributes } from './track-order';
export { AGENT_METRICS, DROP_REASONS, createAgentMetrics } from './metrics';
export type { AgentMetrics, DropReason } from './metrics';
export { HTTP_METRICS, createHttpMetricsMiddleware } from './http-metrics';
export { EventSender, NotDurableError } from './sender/event-sender';
export type { EventSenderOptions } from './sender/event-sender';
export { createSpoolingSender } from './sender/spooling-sender';
export type { SpoolingSenderOptions } from './sender/spooling-sender';
export { postBatch, isDeliveryRetriable, retryDelayHint, isAuthRefusal } from './sender/delivery';
export type { EventTransport, Rejection } from './sender/delivery';
export { ThrottledWarning } from './throttled-warning';
export { sampledTraceIds, traceContextMixin } from './trace-context';
export type { TraceIds } from './trace-context';
