export type { Bus, BatchHandler } from './bus';
export { InProcessBus } from './in-process-bus';
