import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, PROJECT_ROOT } from '../../common';
import { loadModel } from '../../events';
import { DEFAULT_RUNBOOK_URL, PROJECT_REPOSITORY_URL, resolveAlertOptions, type AlertOptions } from '../options';
import { promtoolTestFile } from '../rule-tests/test-file';
import { orderLostRule, ordersStuckRule } from './order-alerts';
import {
  applyLagRule,
  collectorDownRule,
  consumerLagRule,
  deadLetteredRule,
  partitionUnownedRule,
  rejectedEventsRule,
  trackerDownRule,
  trackingLaggingRule,
  trackingStalledRule,
} from './pipeline-alerts';
import { ruleGroups } from './rule-file';
import { sloBurnRule, sloGroup, sloNoDataRule, sloRecordingRules, tiersFor } from './slo-rules';
import { isAlertingRule, type AlertingRule, type RuleContext } from './types';

const MODEL = loadModel(`name: test
states:
  - { name: placed, system: shop, expect_within: 5m, lost_after: 30m }
  - { name: pricing, system: mes, expect_within: 10m, lost_after: 1h }
  - { name: packing, system: mes, expect_within: 500ms, lost_after: 1m }
  - { name: done, system: mes, terminal: true }
  - { name: cancelled, system: crm, terminal: true }
transitions:
  - { from: placed, to: pricing }
  - { from: pricing, to: packing }
  - { from: packing, to: done }
  - { from: "*", to: cancelled }
handoffs:
  - { from: placed, to: pricing, within: 2m, via: RabbitMQ queue mes.pricing }
slos:
  - { state: pricing, objective: 0.99, within: 10m }
  - { state: placed, objective: 0.9, within: 5m }
  - { state: packing, objective: 0.995, within: 500ms }
`);

const ctxWith = (options: Partial<AlertOptions> = {}): RuleContext => ({ model: MODEL, options: resolveAlertOptions(MODEL, options) });
const ctx = ctxWith();
const state = (name: string) => MODEL.state(name)!;
const slo = (name: string) => MODEL.sloFor(name)!;

describe('OrderLost', () => {
  it('pages on any increase of the lost counter in the state, summed over tracker replicas, without waiting', () => {
    const rule = orderLostRule(ctx, state('pricing'));
    expect(rule.expr).toBe('sum by (state, reason) (increase(orderscope_orders_lost_total{job=~"orderscope-tracker",state="pricing"}[10m])) > 0');
    expect(rule.for).toBeUndefined();
    expect(rule.labels).toEqual({ severity: 'page', pipeline: 'test', state: 'pricing', system: 'mes' });
  });

  it("names the handoff (from -> to, owning systems, via), the tracker's page of the lost orders and its API twin", () => {
    const a = orderLostRule(ctx, state('placed')).annotations;
    expect(a.summary).toBe('{{ $value | printf "%.0f" }} order(s) lost in placed ({{ $labels.reason }}), at the handoff to pricing (mes)');
    expect(a.handoff).toBe('placed (shop) -> pricing (mes) within 2m via RabbitMQ queue mes.pricing');
    expect(a.description).toContain('Check that mes consumes RabbitMQ queue mes.pricing.');
    expect(a.description).toContain('an order still in placed after 30m (lost_after) is lost too');
    expect(a.description).toContain('List them: http://127.0.0.1:7401/lost?state=placed (JSON: GET http://127.0.0.1:7401/v1/lost?state=placed)');
    expect(a.description).toContain("each order's timeline, status history and traces: http://127.0.0.1:7401/orders/<order_id>.");
    expect(a.orders_url).toBe('http://127.0.0.1:7401/lost?state=placed');
    expect(a.runbook_url).toBe('https://github.com/orderscope/orderscope/blob/main/alerts/README.md#orderlost');
  });

  it('names the owner and the lost_after limit of a state without a handoff', () => {
    const a = orderLostRule(ctx, state('pricing')).annotations;
    expect(a.summary).toBe('{{ $value | printf "%.0f" }} order(s) lost in pricing ({{ $labels.reason }}), owned by mes');
    expect(a.description).toContain('No event moved them out of pricing within 1h (lost_after).');
    expect(a).not.toHaveProperty('handoff');
  });

  it('names states by their labels in what people read, and by their names in matchers and links', () => {
    const labelled = loadModel(`name: labelled
states:
  - { name: received, label: "Order received", system: shop, expect_within: 5m, lost_after: 30m }
  - { name: check, label: "T02 Check confirmation of receipt", system: crm, expect_within: 1h, lost_after: 4h }
  - { name: done, system: crm, terminal: true }
transitions:
  - { from: received, to: check }
  - { from: check, to: done }
handoffs:
  - { from: received, to: check, within: 10m }
slos:
  - { state: check, objective: 0.9, within: 1h }
`);
    const lc: RuleContext = { model: labelled, options: resolveAlertOptions(labelled, {}) };
    const lost = orderLostRule(lc, labelled.state('received')!);
    expect(lost.annotations.summary).toBe(
      '{{ $value | printf "%.0f" }} order(s) lost in Order received (received) ({{ $labels.reason }}), at the handoff to T02 Check confirmation of receipt (check) (crm)',
    );
    expect(lost.expr).toContain('state="received"');
    expect(lost.annotations.orders_url).toMatch(/\/lost\?state=received$/);
    expect(ordersStuckRule(lc, labelled.state('check')!).annotations.description).toContain('in state T02 Check confirmation of receipt (check) (owned by crm)');
    const [tier] = tiersFor(lc, labelled.sloFor('check')!);
    expect(sloBurnRule(lc, labelled.sloFor('check')!, tier!).annotations.summary).toMatch(/^T02 Check confirmation of receipt \(check\) SLO burning/);
  });

  it('links to the tracker and runbook given as options', () => {
    const a = orderLostRule(ctxWith({ trackerUrl: 'https://orders.example.com/', runbookUrl: 'https://git.example.com/orderscope/alerts/README.md' }), state('pricing')).annotations;
    expect(a.orders_url).toBe('https://orders.example.com/lost?state=pricing');
    expect(a.runbook_url).toBe('https://git.example.com/orderscope/alerts/README.md#orderlost');
  });
});

describe('OrdersStuck', () => {
  it('opens a ticket when orders stay stuck for stuckFor, counted once however many replicas report them', () => {
    const rule = ordersStuckRule(ctxWith({ stuckFor: '20m' }), state('placed'));
    expect(rule.expr).toBe('max by (state) (orderscope_orders_stuck{job=~"orderscope-tracker",state="placed"}) > 0');
    expect(rule.for).toBe('20m');
    expect(rule.labels.severity).toBe('ticket');
    expect(rule.annotations.description).toContain('longer than its SLA of 5m (expect_within), for at least 20m');
    expect(rule.annotations.description).toContain('They leave placed when pricing (mes) takes them from RabbitMQ queue mes.pricing, expected within 2m.');
    expect(rule.annotations.description).toContain('List them: http://127.0.0.1:7401/stuck?state=placed (JSON: GET http://127.0.0.1:7401/v1/orders?status=stuck&state=placed).');
    expect(rule.annotations.orders_url).toBe('http://127.0.0.1:7401/stuck?state=placed');
  });
});

describe('SLO rules', () => {
  it('record the share of stays slower than the SLO threshold from its histogram bucket, net of retracted stays, over every window of the tiers', () => {
    const rules = sloRecordingRules(ctx, slo('pricing'));
    expect(rules.map((r) => r.record)).toEqual([
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate5m',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate30m',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate1h',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate2h',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate6h',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate1d',
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate3d',
      'state:orderscope_order_state_duration_seconds_count:increase1h',
      'state:orderscope_order_state_duration_seconds_count:increase6h',
      'state:orderscope_order_state_duration_seconds_count:increase1d',
      'state:orderscope_order_state_duration_seconds_count:increase3d',
    ]);
    const at = 'job=~"orderscope-tracker",state="pricing"';
    // le=~"600|600\.0": the bucket as Prometheus 2 keeps it from prom-client, and as Prometheus 3 rewrites it.
    expect(rules[0]!.expr).toBe(
      '1 - (\n' +
        `  (sum(rate(orderscope_order_state_duration_seconds_bucket{${at},le=~"600|600\\\\.0"}[5m])) - (sum(rate(orderscope_order_state_duration_retracted_seconds_bucket{${at},le=~"600|600\\\\.0"}[5m])) or vector(0)))\n` +
        '  /\n' +
        `  (sum(rate(orderscope_order_state_duration_seconds_count{${at}}[5m])) - (sum(rate(orderscope_order_state_duration_retracted_seconds_count{${at}}[5m])) or vector(0)))\n` +
        ')',
    );
    expect(rules[7]!.expr).toBe(
      `(sum(increase(orderscope_order_state_duration_seconds_count{${at}}[1h])) - (sum(increase(orderscope_order_state_duration_retracted_seconds_count{${at}}[1h])) or vector(0)))`,
    );
    expect(rules.every((r) => r.labels?.state === 'pricing')).toBe(true);
  });

  it('match a bucket below a second by its one spelling, the same on Prometheus 2 and 3', () => {
    expect(sloRecordingRules(ctx, slo('packing'))[0]!.expr).toContain('le="0.5"');
  });

  it('page when both windows burn faster than the tier, with enough stays in the long window', () => {
    const [fast] = tiersFor(ctx, slo('pricing'));
    const rule = sloBurnRule(ctxWith({ sloMinStays: 50 }), slo('pricing'), fast!);
    expect(rule.alert).toBe('OrderSLOFastBurn');
    expect(rule.expr).toBe(
      'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate1h{state="pricing"} > (14.4 * 0.01)\n' +
        'and\n' +
        'state:orderscope_order_state_duration_seconds:over_slo_ratio_rate5m{state="pricing"} > (14.4 * 0.01)\n' +
        'and\n' +
        'state:orderscope_order_state_duration_seconds_count:increase1h{state="pricing"} >= 50',
    );
    expect(rule.for).toBe('2m');
    expect(rule.labels).toEqual({ severity: 'page', pipeline: 'test', state: 'pricing', system: 'mes', window: '1h' });
    expect(rule.annotations.description).toContain('14.4x the error budget of 1%; at this rate the 30d budget is spent in 2d2h.');
  });

  it('use the SRE workbook tiers: 14.4x and 6x page, 3x and 1x open a ticket', () => {
    const alerts = sloGroup(ctx, slo('pricing'))!.rules.filter(isAlertingRule);
    expect(alerts.map((r) => [r.alert, r.labels.severity, r.labels.window, r.for])).toEqual([
      ['OrderSLOFastBurn', 'page', '1h', '2m'],
      ['OrderSLOFastBurn', 'page', '6h', '5m'],
      ['OrderSLOSlowBurn', 'ticket', '1d', '15m'],
      ['OrderSLOSlowBurn', 'ticket', '3d', '15m'],
      ['OrderSLONoData', 'ticket', undefined, '15m'],
    ]);
  });

  it('leave out a tier that would need more than every stay to be slow (14.4 x 10% budget)', () => {
    expect(tiersFor(ctx, slo('placed')).map((t) => t.burnRate)).toEqual([6, 3, 1]);
    expect(sloRecordingRules(ctx, slo('placed')).map((r) => r.record)).not.toContain('state:orderscope_order_state_duration_seconds:over_slo_ratio_rate1h');
  });

  it('open a ticket when the SLI is absent while the tracker is up', () => {
    expect(sloNoDataRule(ctx, slo('pricing')).expr).toBe(
      'absent(state:orderscope_order_state_duration_seconds:over_slo_ratio_rate5m{state="pricing"})\nand on ()\n(max(up{job=~"orderscope-tracker"}) == 1)',
    );
  });
});

describe('pipeline alerts', () => {
  const c = ctxWith({ trackerJob: 'tracker-prod', collectorJob: 'collector-prod' });

  it('page when every target of the tracker or collector job is down, or the job has none', () => {
    expect(trackerDownRule(c).expr).toBe('max by (job) (up{job=~"tracker-prod"}) == 0\nor\nabsent(up{job=~"tracker-prod"})');
    expect(collectorDownRule(c).expr).toBe('max by (job) (up{job=~"collector-prod"}) == 0\nor\nabsent(up{job=~"collector-prod"})');
    expect([trackerDownRule(c).labels.severity, trackerDownRule(c).for]).toEqual(['page', '2m']);
  });

  it('open a ticket when a quantile of the apply lag exceeds the threshold', () => {
    expect(applyLagRule(c).expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(orderscope_tracker_apply_lag_seconds_bucket{job=~"tracker-prod"}[5m]))) > 60',
    );
  });

  it('open a ticket per rejection reason whose share of posted events exceeds the ratio, with a volume guard', () => {
    expect(rejectedEventsRule(c).expr).toBe(
      'sum by (reason) (rate(orderscope_collector_events_rejected_total{job=~"collector-prod"}[10m]))\n' +
        '  / on () group_left ()\n' +
        '(sum(rate(orderscope_collector_events_accepted_total{job=~"collector-prod"}[10m])) + sum(rate(orderscope_collector_events_rejected_total{job=~"collector-prod"}[10m])))\n' +
        '  > 0.05\n' +
        'and on ()\n' +
        '(sum(increase(orderscope_collector_events_accepted_total{job=~"collector-prod"}[10m])) + sum(increase(orderscope_collector_events_rejected_total{job=~"collector-prod"}[10m]))) >= 100',
    );
  });

  it('page when the consumer lag is above the minimum and growing, reporting the lag', () => {
    expect(consumerLagRule(c).expr).toBe(
      'sum(max by (topic, partition) (orderscope_bus_consumer_lag_messages{job=~"tracker-prod"})) > 1000\nand\n' +
        'sum(max by (topic, partition) (deriv(orderscope_bus_consumer_lag_messages{job=~"tracker-prod"}[10m]))) > 0',
    );
  });

  it('page on a stalled or unowned partition and open a ticket on a lagging one, one alert per partition, replicas folded with max', () => {
    const ctx = ctxWith({ trackerJob: 'tracker-prod' });
    const expr = (status: string) =>
      'max by (topic, partition) (orderscope_bus_consumer_lag_messages{job=~"tracker-prod"})\nand on (topic, partition)\n' +
      `max by (topic, partition) (orderscope_bus_partition_status{job=~"tracker-prod",status="${status}"}) == 1`;
    expect([trackingStalledRule(ctx), trackingLaggingRule(ctx), partitionUnownedRule(ctx)].map((r) => [r.alert, r.expr, r.for, r.labels.severity])).toEqual([
      ['TrackingStalled', expr('stalled'), '1m', 'page'],
      ['TrackingLagging', expr('lagging'), '15m', 'ticket'],
      ['PartitionUnowned', expr('unowned'), '5m', 'page'],
    ]);
    expect(trackingStalledRule(ctx).annotations.summary).toBe(
      'Tracking stalled on {{ $labels.topic }} partition {{ $labels.partition }}: {{ $value | printf "%.0f" }} messages wait and the committed offset does not move',
    );
  });

  it('open a ticket per reason as soon as the tracker dead-letters an event, summed over tracker replicas, without waiting', () => {
    const rule = deadLetteredRule(ctxWith({ trackerJob: 'tracker-prod', deadLetterWindow: '30m' }));
    expect(rule.alert).toBe('OrderEventsDeadLettered');
    expect(rule.expr).toBe('sum by (reason) (increase(orderscope_dead_letters_total{job=~"tracker-prod"}[30m])) > 0');
    expect(rule.for).toBeUndefined();
    expect(rule.labels).toEqual({ severity: 'ticket', pipeline: 'test' });
    expect(rule.annotations.summary).toBe('{{ $value | printf "%.0f" }} order event(s) dead-lettered by the tracker ({{ $labels.reason }}): set aside, not applied');
    expect(rule.annotations.description).toContain('In the last 30m the tracker set aside {{ $value | printf "%.0f" }} event(s) it cannot apply, reason {{ $labels.reason }}');
    expect(rule.annotations.description).toContain('This ticket resolves 30m after the last dead letter');
  });

  it('say how to list, fix and retry or drop the dead letters, and link to the parked ones of the reason', () => {
    const a = deadLetteredRule(ctxWith({ trackerUrl: 'https://orders.example.com/' })).annotations;
    expect(a.description).toContain('orderscope dead-letters list --reason {{ $labels.reason }} (or GET https://orders.example.com/v1/dead-letters?status=parked&reason={{ $labels.reason }})');
    expect(a.description).toContain('orderscope dead-letters show <id> gives the raw event, the error and its origin (topic, partition, offset)');
    expect(a.description).toContain('Fix the cause, then orderscope dead-letters retry <id> (or retry --all --reason {{ $labels.reason }}) with an admin token, or drop <id>');
    expect(a.dead_letters_url).toBe('https://orders.example.com/v1/dead-letters?status=parked&reason={{ $labels.reason }}');
    expect(a.runbook_url).toBe('https://github.com/orderscope/orderscope/blob/main/alerts/README.md#ordereventsdeadlettered');
  });
});

/**
 * The anchors GitHub gives the headings of a markdown file (its slugs: lower case, punctuation
 * dropped, spaces as hyphens), each with its heading's text.
 */
function headingAnchors(markdown: string): Map<string, string> {
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim());
  return new Map(headings.map((h) => [h.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'), h]));
}

describe('every generated alert', () => {
  const alerts = ruleGroups(ctx).flatMap((g) => g.rules.filter(isAlertingRule));
  const anchors = headingAnchors(readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8'));

  it.each(alerts.map((a): [string, AlertingRule] => [[a.alert, a.labels.state, a.labels.window].filter(Boolean).join(' '), a]))(
    '%s has a severity, a summary, a description and an absolute link to its section of alerts/README.md',
    (_name, alert) => {
      expect(['page', 'ticket']).toContain(alert.labels.severity);
      expect(alert.labels.pipeline).toBe('test');
      expect(alert.annotations.summary).toBeTruthy();
      expect(alert.annotations.description).toBeTruthy();
      const [base, anchor] = alert.annotations.runbook_url!.split('#') as [string, string];
      expect(base).toBe(DEFAULT_RUNBOOK_URL);
      expect(anchors.get(anchor)).toBe(alert.alert);
    },
  );

  it('link to the runbook on the project\'s public home, the repository package.json names', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { repository: { url: string }; homepage: string };
    expect(pkg.repository.url).toBe(`git+${PROJECT_REPOSITORY_URL}.git`);
    expect(pkg.homepage).toBe(`${PROJECT_REPOSITORY_URL}#readme`);
    expect(DEFAULT_RUNBOOK_URL).toBe(`${PROJECT_REPOSITORY_URL}/blob/main/alerts/README.md`);
  });

  it('has a promtool test where it fires and one where it stays silent', () => {
    const tests = promtoolTestFile(ctx, 'rules.yml').tests.flatMap((g) => g.alert_rule_test);
    for (const name of new Set(alerts.map((a) => a.alert))) {
      const mine = tests.filter((t) => t.alertname === name);
      expect([name, mine.some((t) => t.exp_alerts.length > 0), mine.some((t) => t.exp_alerts.length === 0)]).toEqual([name, true, true]);
    }
  });
});

describe('alert options', () => {
  it('say which option is wrong and why', () => {
    expect(() => resolveAlertOptions(MODEL, { lostWindow: '10 minutes' })).toThrow(ConfigError);
    expect(() => resolveAlertOptions(MODEL, { lostWindow: '10 minutes' })).toThrow(/^alert option lostWindow: "10 minutes" is not a duration/);
    expect(() => resolveAlertOptions(MODEL, { rejectedRatio: 5 })).toThrow('alert option rejectedRatio: 5 must be a fraction between 0 and 1');
    expect(() =>
      resolveAlertOptions(MODEL, { burnRateTiers: [{ severity: 'page', burnRate: 2, longWindow: '5m', shortWindow: '1h', for: '1m' }] }),
    ).toThrow('alert option burnRateTiers[0]: shortWindow (1h) must be shorter than longWindow (5m)');
    expect(() => resolveAlertOptions(MODEL, { trackerUrl: 'orders.example.com' })).toThrow(
      'alert option trackerUrl: "orders.example.com" is not an absolute URL (write it with http:// or https://, e.g. https://orderscope.example.com)',
    );
    expect(() => resolveAlertOptions(MODEL, { pageWebhookUrl: 'ftp://pager.example.com/' })).toThrow('alert option pageWebhookUrl: "ftp://pager.example.com/" is not an http or https URL');
    expect(() => resolveAlertOptions(MODEL, { runbookUrl: 'https://wiki.example.com/runbook#alerts' })).toThrow(
      'alert option runbookUrl: "https://wiki.example.com/runbook#alerts" must not have a #fragment: each alert adds the anchor of its own section',
    );
  });

  it('default the pipeline label to the model name', () => {
    expect(resolveAlertOptions(MODEL).pipeline).toBe('test');
    expect(resolveAlertOptions(MODEL, { pipeline: 'prod' }).pipeline).toBe('prod');
  });
});
