/**
 * The orderscope agent for Node services: {@link startAgent} sets up tracing, logs and metrics and
 * returns trackOrder. What it shares with the sidecars (the collector client, the sender and its
 * spool, the agent metrics) is in agents/shared.
 */
export { startAgent, getAgent } from './start-agent';
export type { Agent } from './start-agent';
// The type of Agent.metrics: part of the SDK's surface, though the sidecars' sender shares it.
export type { AgentMetrics } from '../shared';
export { agentOptionsSchema, parseAgentOptions, AGENT_ENV_NAMES, AGENT_INSTRUMENTATIONS, AGENT_TRACING_ENV, spanExportFromEnv } from './agent-options';
export type { AgentOptions, InstrumentationName } from './agent-options';
export type { TrackOrder, OrderAttributes } from './track-order';
export { HTTP_METRICS, createHttpMetricsMiddleware } from './http-metrics';
export { sampledTraceIds, traceContextMixin } from './trace-context';
