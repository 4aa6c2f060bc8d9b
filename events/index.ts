export { validateOrderEvent, orderEventShape, orderIdProblem, LIMITS, OCCURRED_AT_FROM, OCCURRED_AT_BEFORE, ORDER_EVENT_SCHEMA_VERSION } from './order-event';
export type { OrderEvent, OrderEventInput, AttributeValue, ValidationResult } from './order-event';
export { orderEventJsonSchema } from './json-schema';
export { occurredAtMicros } from './occurred-at';
export { loadModel, loadModelFile, mainPath, DEFAULT_MODEL_PATH, DEMO_MODEL_PATH } from './model';
export { ProcessModel } from './model';
export type { StateDef, Handoff, Slo } from './model';
export { HEARTBEAT, heartbeatOrderId, heartbeatEvent, isHeartbeat, splitHeartbeats } from './heartbeat';
