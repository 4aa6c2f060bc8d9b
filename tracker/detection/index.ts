/**
 * Lost-order detection: the rules (pure: status, reason and next deadline of an order at a time),
 * the sweeper that applies them to the orders due, and the log line of each status change.
 */
export { decideAt, deadlinesOf, nextDeadline, settleAfterEvents, statusesThrough, LOST_REASONS, FLAGGED_STATUSES } from './status-rules';
export type { Deadline, OrderStanding, SweepDecision, Settlement, StatusReason, LostReason, FlaggedStatus, HistoricChange, LeftStay } from './status-rules';
export { backtest, limitsOf } from './backtest';
export type { BacktestResult, BacktestWindow } from './backtest';
export { createSweeper } from './sweeper';
export type { Sweeper, SweeperOptions, SweepResult } from './sweeper';
export { logStatusChange, describeStatusChange, handoffOf } from './status-log';
