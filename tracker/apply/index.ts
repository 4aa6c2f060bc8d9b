export { applyBatch } from './apply-batch';
export type { ApplyOutcome } from './apply-batch';
export { planAppend, planRebuild } from './plan-order';
export type { OrderPlan } from './plan-order';
export { isolatePoison } from './isolate-poison';
export type { Isolated, Poisoned } from './isolate-poison';
export { eventLetter, unreadableLetter, describeApplyError, readLetter } from './dead-letter';
