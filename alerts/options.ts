import { ConfigError, configSchema, parseDuration } from '../common';
import type { ProcessModel } from '../events';

/** Who is told: `page` wakes the on-call engineer, `ticket` goes to the queue worked in office hours. */
export type Severity = 'page' | 'ticket';

/**
 * One row of the multi-window, multi-burn-rate table of Google's SRE workbook ("Alerting on SLOs"):
 * alert when the error ratio over both `longWindow` and `shortWindow` exceeds `burnRate` times the
 * error budget. The long window makes the alert significant, the short one makes it resolve soon
 * after the burn stops.
 */
export interface BurnRateTier {
  readonly severity: Severity;
  readonly burnRate: number;
  readonly longWindow: string;
  readonly shortWindow: string;
  /** How long the condition must hold before the alert fires. */
  readonly for: string;
}

/**
 * What the alert generator can be told, beyond the process model. Durations are written as in the
 * model (`30s`, `5m`, `1h30m`, `1d`). Every key has a default ({@link DEFAULT_ALERT_OPTIONS}); the
 * e2e tests override windows and `for` durations to run the demo model on a clock of seconds.
 */
export interface AlertOptions {
  /** The Prometheus job (a regex, matched whole) that scrapes the tracker. */
  readonly trackerJob: string;
  /** The Prometheus job (a regex, matched whole) that scrapes the collector. */
  readonly collectorJob: string;
  /**
   * The value of the `pipeline` label on every alert (default: the model's name). Inhibition only
   * applies between alerts of the same pipeline, so two deployments that share an Alertmanager must
   * be generated with different values.
   */
  readonly pipeline: string;
  /**
   * The tracker as on-call reaches it (its public URL, e.g. behind a proxy): the alerts link to its
   * pages of lost and stuck orders (`orders_url`) and name its API calls.
   */
  readonly trackerUrl: string;
  /**
   * Where the runbook (alerts/README.md) is read: each alert's `runbook_url` is this plus
   * `#<alertname in lower case>`, the anchor of its section. Absolute, so that the link works
   * wherever the page is read.
   */
  readonly runbookUrl: string;
  /** OrderLost: the window in which a loss pages; the alert resolves this long after the last loss. */
  readonly lostWindow: string;
  /** OrdersStuck: how long orders must stay stuck before a ticket is opened. */
  readonly stuckFor: string;
  /** TrackerDown, CollectorDown: how long every target of the job must be down. */
  readonly downFor: string;
  /** SLO burn-rate tiers. A tier that would need more than 100% errors for a state's objective is left out for that state. */
  readonly burnRateTiers: readonly BurnRateTier[];
  /** SLO volume guard: no burn alert unless at least this many stays ended in the long window. */
  readonly sloMinStays: number;
  /** The period the error budget is counted over; only used to say in annotations how long the budget lasts. */
  readonly sloPeriod: string;
  /** OrderSLONoData: how long the SLI may be missing while the tracker is up. */
  readonly sloNoDataFor: string;
  readonly applyLagQuantile: number;
  /** ApplyLagHigh fires when that quantile of occurred_at-to-apply time exceeds this (best a bucket bound of the tracker's histogram). */
  readonly applyLagThreshold: string;
  readonly applyLagWindow: string;
  readonly applyLagFor: string;
  /** RejectedEventsHigh fires when one reason's share of the events posted exceeds this. */
  readonly rejectedRatio: number;
  readonly rejectedWindow: string;
  /** RejectedEventsHigh volume guard: at least this many events posted in the window. */
  readonly rejectedMinEvents: number;
  readonly rejectedFor: string;
  /** KafkaConsumerLagGrowing: lag below this many messages is not worth an alert, growing or not. */
  readonly consumerLagMinMessages: number;
  readonly consumerLagWindow: string;
  readonly consumerLagFor: string;
  /**
   * OrderEventsDeadLettered: the window in which a dead-lettered event opens a ticket; the alert
   * resolves this long after the last one (the dead letters stay parked until retried or dropped).
   */
  readonly deadLetterWindow: string;
  /** OrderRedrivesFailing: the window in which a failed redrive opens a ticket; it resolves this long after the last one. */
  readonly redriveFailedWindow: string;
  /** TrackingStalled: how long a partition stays `stalled` (the lag monitor's kafka.lagWindowMs already passed) before it pages. */
  readonly trackingStalledFor: string;
  /** TrackingLagging: how long a partition stays `lagging` before it opens a ticket. */
  readonly trackingLaggingFor: string;
  /** PartitionUnowned: how long a partition stays `unowned` before it pages; longer than a rebalance. */
  readonly partitionUnownedFor: string;
  /**
   * TrackingHeartbeatStale: how old the newest applied collector heartbeat of a partition may get
   * before it pages. Several times the collectors' heartbeat interval (collector.heartbeatIntervalMs,
   * 15 s by default), so that one late or failed round does not page.
   */
  readonly heartbeatStaleAfter: string;
  /** Placeholder receivers: replace with the on-call (page) and ticketing (ticket) webhooks. */
  readonly pageWebhookUrl: string;
  readonly ticketWebhookUrl: string;
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly pageRepeatInterval: string;
  readonly ticketRepeatInterval: string;
  /** Prometheus' rule evaluation interval; the promtool tests evaluate and sample at this step. */
  readonly evaluationInterval: string;
}

/**
 * The SRE workbook's recommended tiers (Alerting on SLOs, table 5-8). The workbook uses no `for`:
 * the short window already keeps a blip from alerting. A short one rides out a single noisy
 * evaluation without delaying a real page much.
 */
export const SRE_WORKBOOK_TIERS: readonly BurnRateTier[] = [
  { severity: 'page', burnRate: 14.4, longWindow: '1h', shortWindow: '5m', for: '2m' },
  { severity: 'page', burnRate: 6, longWindow: '6h', shortWindow: '30m', for: '5m' },
  { severity: 'ticket', burnRate: 3, longWindow: '1d', shortWindow: '2h', for: '15m' },
  { severity: 'ticket', burnRate: 1, longWindow: '3d', shortWindow: '6h', for: '15m' },
];

const TRACKER_DEFAULTS = configSchema.parse({}).tracker;

/** The project's public home (package.json `repository`), where the runbook is read by default. */
export const PROJECT_REPOSITORY_URL = 'https://github.com/orderscope/orderscope';

/** The runbook of the generated alerts on the project's public home: alerts/README.md of the main branch. */
export const DEFAULT_RUNBOOK_URL = `${PROJECT_REPOSITORY_URL}/blob/main/alerts/README.md`;

/** Defaults of every option but `pipeline`, which defaults to the model's name. */
export const DEFAULT_ALERT_OPTIONS: Omit<AlertOptions, 'pipeline'> = {
  trackerJob: 'orderscope-tracker',
  collectorJob: 'orderscope-collector',
  trackerUrl: `http://${TRACKER_DEFAULTS.host}:${TRACKER_DEFAULTS.port}`,
  runbookUrl: DEFAULT_RUNBOOK_URL,
  lostWindow: '10m',
  stuckFor: '15m',
  downFor: '2m',
  burnRateTiers: SRE_WORKBOOK_TIERS,
  sloMinStays: 20,
  sloPeriod: '30d',
  sloNoDataFor: '15m',
  applyLagQuantile: 0.99,
  applyLagThreshold: '1m',
  applyLagWindow: '5m',
  applyLagFor: '10m',
  rejectedRatio: 0.05,
  rejectedWindow: '10m',
  rejectedMinEvents: 100,
  rejectedFor: '10m',
  consumerLagMinMessages: 1000,
  consumerLagWindow: '10m',
  consumerLagFor: '10m',
  deadLetterWindow: '10m',
  redriveFailedWindow: '30m',
  trackingStalledFor: '1m',
  trackingLaggingFor: '15m',
  partitionUnownedFor: '5m',
  heartbeatStaleAfter: '3m',
  pageWebhookUrl: 'http://127.0.0.1:9095/page',
  ticketWebhookUrl: 'http://127.0.0.1:9095/ticket',
  groupWait: '30s',
  groupInterval: '5m',
  pageRepeatInterval: '1h',
  ticketRepeatInterval: '12h',
  evaluationInterval: '1m',
};

/**
 * Options for the demo model's clock of seconds (config/demo-model.yaml), where the e2e tests
 * start: Prometheus scrapes and evaluates every second, the SLO windows are the workbook's scaled
 * from hours to minutes, and collector and tracker run in one process (`orderscope up`), one job.
 * Every window holds at least five evaluations, so rates always have samples.
 */
export const DEMO_ALERT_OPTIONS: Partial<AlertOptions> = {
  trackerJob: 'orderscope',
  collectorJob: 'orderscope',
  evaluationInterval: '1s',
  lostWindow: '10s',
  stuckFor: '5s',
  downFor: '3s',
  burnRateTiers: [
    { severity: 'page', burnRate: 14.4, longWindow: '1m', shortWindow: '5s', for: '2s' },
    { severity: 'page', burnRate: 6, longWindow: '6m', shortWindow: '30s', for: '5s' },
    { severity: 'ticket', burnRate: 3, longWindow: '24m', shortWindow: '2m', for: '10s' },
    { severity: 'ticket', burnRate: 1, longWindow: '72m', shortWindow: '6m', for: '10s' },
  ],
  sloMinStays: 5,
  sloNoDataFor: '10s',
  applyLagThreshold: '5s',
  applyLagWindow: '10s',
  applyLagFor: '5s',
  rejectedWindow: '10s',
  rejectedMinEvents: 20,
  rejectedFor: '5s',
  consumerLagMinMessages: 100,
  consumerLagWindow: '10s',
  consumerLagFor: '5s',
  deadLetterWindow: '10s',
  redriveFailedWindow: '10s',
  trackingStalledFor: '5s',
  trackingLaggingFor: '10s',
  partitionUnownedFor: '10s',
  // Three heartbeat rounds at the default 15 s interval of the collector in `orderscope up`.
  heartbeatStaleAfter: '45s',
  groupWait: '1s',
  groupInterval: '5s',
  pageRepeatInterval: '1m',
  ticketRepeatInterval: '1m',
};

/** A burn-rate tier with its windows in seconds. */
export interface ResolvedTier {
  readonly severity: Severity;
  readonly burnRate: number;
  readonly longWindow: number;
  readonly shortWindow: number;
  readonly for: number;
}

/** The options that are durations. */
const DURATION_KEYS = [
  'lostWindow',
  'stuckFor',
  'downFor',
  'sloPeriod',
  'sloNoDataFor',
  'applyLagThreshold',
  'applyLagWindow',
  'applyLagFor',
  'rejectedWindow',
  'rejectedFor',
  'consumerLagWindow',
  'consumerLagFor',
  'deadLetterWindow',
  'redriveFailedWindow',
  'trackingStalledFor',
  'trackingLaggingFor',
  'partitionUnownedFor',
  'heartbeatStaleAfter',
  'groupWait',
  'groupInterval',
  'pageRepeatInterval',
  'ticketRepeatInterval',
  'evaluationInterval',
] as const;
type DurationKey = (typeof DURATION_KEYS)[number];

/** The options with every duration in seconds, validated. What the rule and test builders take. */
export type ResolvedAlertOptions = Omit<AlertOptions, DurationKey | 'burnRateTiers'> & { readonly [K in DurationKey]: number } & {
  readonly burnRateTiers: readonly ResolvedTier[];
};

/**
 * Merges `overrides` over the defaults and converts durations to seconds. Throws a
 * {@link ConfigError} naming the option and what is wrong with it.
 */
export function resolveAlertOptions(model: ProcessModel, overrides: Partial<AlertOptions> = {}): ResolvedAlertOptions {
  const merged: AlertOptions = { ...DEFAULT_ALERT_OPTIONS, pipeline: model.name, ...overrides };
  const seconds = (key: string, text: string): number => {
    const parsed = parseDuration(text);
    if ('error' in parsed) throw new ConfigError(`alert option ${key}: ${parsed.error}`);
    if (parsed.seconds <= 0) throw new ConfigError(`alert option ${key}: "${text}" must be longer than zero`);
    return parsed.seconds;
  };
  const durations = Object.fromEntries(DURATION_KEYS.map((k) => [k, seconds(k, merged[k])])) as { [K in DurationKey]: number };
  const fraction = (key: 'applyLagQuantile' | 'rejectedRatio') => {
    if (!(merged[key] > 0 && merged[key] < 1)) throw new ConfigError(`alert option ${key}: ${merged[key]} must be a fraction between 0 and 1`);
  };
  fraction('applyLagQuantile');
  fraction('rejectedRatio');
  for (const key of ['sloMinStays', 'rejectedMinEvents', 'consumerLagMinMessages'] as const) {
    if (!(merged[key] >= 0)) throw new ConfigError(`alert option ${key}: ${merged[key]} must be zero or more`);
  }
  for (const key of ['trackerJob', 'collectorJob', 'pipeline'] as const) {
    if (!merged[key]) throw new ConfigError(`alert option ${key}: must not be empty`);
  }
  for (const key of ['trackerUrl', 'runbookUrl', 'pageWebhookUrl', 'ticketWebhookUrl'] as const) {
    const problem = absoluteUrlProblem(merged[key], key === 'runbookUrl');
    if (problem) throw new ConfigError(`alert option ${key}: ${problem}`);
  }
  if (merged.burnRateTiers.length === 0) throw new ConfigError('alert option burnRateTiers: give at least one tier');
  const tiers = merged.burnRateTiers.map((t, i) => {
    const at = `burnRateTiers[${i}]`;
    if (!(t.burnRate > 0)) throw new ConfigError(`alert option ${at}.burnRate: ${t.burnRate} must be more than zero`);
    const tier: ResolvedTier = {
      severity: t.severity,
      burnRate: t.burnRate,
      longWindow: seconds(`${at}.longWindow`, t.longWindow),
      shortWindow: seconds(`${at}.shortWindow`, t.shortWindow),
      for: seconds(`${at}.for`, t.for),
    };
    if (tier.shortWindow >= tier.longWindow) throw new ConfigError(`alert option ${at}: shortWindow (${t.shortWindow}) must be shorter than longWindow (${t.longWindow})`);
    return tier;
  });
  return { ...merged, ...durations, burnRateTiers: tiers };
}

/**
 * What is wrong with `text` as a link that on-call or Alertmanager follows from anywhere: it must be
 * an absolute http(s) URL. `noFragment`: the runbook's, to which each alert adds `#<its section>`.
 * Undefined when it is fine.
 */
export function absoluteUrlProblem(text: string, noFragment = false): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an absolute URL (write it with http:// or https://, e.g. https://orderscope.example.com)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${text}" is not an http or https URL`;
  if (noFragment && text.includes('#')) return `"${text}" must not have a #fragment: each alert adds the anchor of its own section`;
  return undefined;
}
