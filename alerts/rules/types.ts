import type { ProcessModel } from '../../events';
import type { ResolvedAlertOptions, Severity } from '../options';

/** A Prometheus alerting rule, in the key order Prometheus documents. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** A Prometheus duration ("2m"); absent when the alert fires on the first evaluation. */
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** Static labels; the same record name in two groups needs them to be told apart (promtool's duplicate-rules lint). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A rule of a group: alerting or recording. */
export type Rule = AlertingRule | RecordingRule;

/** A rule group: its rules are evaluated in order, so recording rules come before the alerts that read them. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** What every rule builder reads. */
export interface RuleContext {
  readonly model: ProcessModel;
  readonly options: ResolvedAlertOptions;
}

/** Tells alerting rules from recording rules. */
export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** Every alert name the generator writes; the runbook (alerts/README.md) has a section for each. */
export const ALERT_NAMES = {
  orderLost: 'OrderLost',
  ordersStuck: 'OrdersStuck',
  sloFastBurn: 'OrderSLOFastBurn',
  sloSlowBurn: 'OrderSLOSlowBurn',
  sloNoData: 'OrderSLONoData',
  trackerDown: 'TrackerDown',
  collectorDown: 'CollectorDown',
  applyLagHigh: 'ApplyLagHigh',
  rejectedEventsHigh: 'RejectedEventsHigh',
  consumerLagGrowing: 'KafkaConsumerLagGrowing',
  deadLettered: 'OrderEventsDeadLettered',
  redrivesFailing: 'OrderRedrivesFailing',
  trackingStalled: 'TrackingStalled',
  trackingLagging: 'TrackingLagging',
  partitionUnowned: 'PartitionUnowned',
  heartbeatStale: 'TrackingHeartbeatStale',
  ordersUnreconciled: 'OrdersUnreconciled',
} as const;
