export type { Bus, BatchHandler } from './bus';
export { InProcessBus } from './in-process-bus';
export { KafkaBus, KAFKA_BUS_METRICS, DROP_REASONS, decodeEvent, partitionLag } from './kafka-bus';
export type { KafkaBusOptions, DropReason } from './kafka-bus';
