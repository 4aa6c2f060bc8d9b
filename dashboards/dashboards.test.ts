import { loadModel, loadModelFile } from '../events';
import { boundsSelectedOnBoth, leMatchersIn } from '../alerts/test/le-spellings';
import { DASHBOARD_UIDS, dashboardFiles } from '.';

interface Target {
  expr: string;
  legendFormat?: string;
  format?: string;
  instant?: boolean;
  refId: string;
}
interface Link {
  title: string;
  url: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  links?: Link[];
  fieldConfig?: { defaults: { links?: Link[] } };
  options?: Record<string, unknown>;
  gridPos: { h: number; w: number; x: number; y: number };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; current?: { value: string } }[] };
}

const model = loadModelFile();
const files = dashboardFiles(model);
const parsed = new Map(files.map((f) => [f.name, JSON.parse(f.content) as Dashboard]));
const get = (name: string) => parsed.get(name)!;
const panels = (name: string) => get(name).panels.filter((p) => p.type !== 'row');
const titled = (name: string, title: string) => {
  const found = panels(name).find((p) => p.title === title);
  if (!found) throw new Error(`${name} has no panel "${title}"; it has: ${panels(name).map((p) => p.title).join(', ')}`);
  return found;
};
const exprs = (p: Panel) => (p.targets ?? []).map((t) => t.expr);

describe('the generated dashboards', () => {
  it('are four, with stable uids, as JSON with sorted keys and a final newline', () => {
    expect(files.map((f) => [f.name, get(f.name).uid])).toEqual([
      ['overview.json', DASHBOARD_UIDS.overview],
      ['time-in-state.json', DASHBOARD_UIDS.timeInState],
      ['lost-orders.json', DASHBOARD_UIDS.lostOrders],
      ['pipeline-health.json', DASHBOARD_UIDS.pipelineHealth],
    ]);
    for (const f of files) {
      expect(f.content.endsWith('}\n')).toBe(true);
      expect(Object.keys(get(f.name))).toEqual(Object.keys(get(f.name)).sort());
    }
  });

  it('are the same bytes every time they are generated', () => {
    expect(dashboardFiles(model)).toEqual(files);
  });

  it.each([...parsed.keys()])('%s: data source and jobs are variables, every query reads the data source variable and a job', (name) => {
    const d = get(name);
    expect(d.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['tracker_job', 'query'],
      ['collector_job', 'query'],
      ['tracker_url', 'textbox'],
    ]);
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels(name).filter((p) => p.type !== 'text')) {
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect(p.targets!.length).toBeGreaterThan(0);
      for (const t of p.targets!) {
        if (!t.expr.startsWith('vector(')) expect([p.title, t.expr]).toEqual([p.title, expect.stringMatching(/job=~"\$(tracker|collector)_job"/)]);
      }
      expect(p.targets!.map((t) => t.refId)).toEqual(p.targets!.map((_, i) => String.fromCharCode(65 + i)));
    }
  });

  it('default their variables to the options given', () => {
    const d = JSON.parse(dashboardFiles(model, { trackerJob: 'orderscope', trackerUrl: 'https://orders.example.com' })[0]!.content) as Dashboard;
    const current = Object.fromEntries(d.templating.list.map((v) => [v.name, v.current?.value]));
    expect(current).toMatchObject({ tracker_job: 'orderscope', collector_job: 'orderscope-collector', tracker_url: 'https://orders.example.com' });
  });
});

describe('the overview dashboard', () => {
  it('shows orders in flight per state, throughput, lead time p50/p90/p99, stuck and lost', () => {
    expect(exprs(titled('overview.json', 'Orders in flight per state'))).toEqual(['max by (state) (orderscope_orders_in_state{job=~"$tracker_job"})']);
    expect(exprs(titled('overview.json', 'Throughput'))).toEqual([
      'sum(rate(orderscope_tracker_events_applied_total{job=~"$tracker_job"}[$__rate_interval]))',
      'sum by (state) (rate(orderscope_order_lead_time_seconds_count{job=~"$tracker_job"}[$__rate_interval])) - sum by (state) (rate(orderscope_order_lead_time_retracted_seconds_count{job=~"$tracker_job"}[$__rate_interval]))',
    ]);
    expect(titled('overview.json', 'Lead time to shipped').targets!.map((t) => [t.legendFormat, t.expr])).toEqual(
      [0.5, 0.9, 0.99].map((q) => [
        `p${q * 100}`,
        `histogram_quantile(${q}, sum by (le) (rate(orderscope_order_lead_time_seconds_bucket{job=~"$tracker_job",state="shipped"}[$__rate_interval])) - ` +
          'sum by (le) (rate(orderscope_order_lead_time_retracted_seconds_bucket{job=~"$tracker_job",state="shipped"}[$__rate_interval])))',
      ]),
    );
    expect(panels('overview.json').map((p) => p.title)).toEqual(
      expect.arrayContaining(['Orders in flight', 'Stuck now', 'Lost in the time range', 'Lead time to cancelled', 'Stuck orders per state', 'Lost orders per hour, by state']),
    );
  });
});

describe('the time-in-state dashboard', () => {
  const open = model.openStates();

  it('has, for every open state, a heatmap of its duration histogram net of the stays late events rewrote', () => {
    const heatmaps = panels('time-in-state.json').filter((p) => p.type === 'heatmap');
    expect(heatmaps.map((p) => p.title)).toEqual(open.map((s) => `${s.name}: time in state`));
    expect(heatmaps[2]!.targets).toEqual([
      expect.objectContaining({
        expr:
          'sum by (le) (increase(orderscope_order_state_duration_seconds_bucket{job=~"$tracker_job",state="pricing"}[$__rate_interval])) - ' +
          'sum by (le) (increase(orderscope_order_state_duration_retracted_seconds_bucket{job=~"$tracker_job",state="pricing"}[$__rate_interval]))',
        format: 'heatmap',
        legendFormat: '{{le}}',
      }),
    ]);
    expect(heatmaps[2]!.options).toMatchObject({ calculate: false, yAxis: { unit: 's' } });
  });

  it("draws p50/p90/p99 (net of retracted stays) against an SLA line at the state's expect_within", () => {
    for (const s of open) {
      const p = titled('time-in-state.json', `${s.name}: p50 / p90 / p99 against the SLA`);
      expect(p.targets!.map((t) => t.legendFormat)).toEqual(['p50', 'p90', 'p99', 'oldest open', expect.stringMatching(/^SLA /)]);
      expect(p.targets![4]!.expr).toBe(`vector(${s.expectWithinSeconds})`);
      expect(p.targets![0]!.expr).toContain(`- sum by (le) (rate(orderscope_order_state_duration_retracted_seconds_bucket{job=~"$tracker_job",state="${s.name}"}[$__rate_interval])))`);
    }
    expect(titled('time-in-state.json', 'pricing: p50 / p90 / p99 against the SLA').targets![4]!.legendFormat).toBe('SLA 15m');
  });

  it('shows the share of stays within the SLO threshold, read from its bucket', () => {
    const p = titled('time-in-state.json', 'pricing: left within 15m (SLO 99%)');
    const at = 'job=~"$tracker_job",state="pricing"';
    expect(exprs(p)).toEqual([
      `(sum(increase(orderscope_order_state_duration_seconds_bucket{${at},le=~"900|900\\\\.0"}[$__range])) - sum(increase(orderscope_order_state_duration_retracted_seconds_bucket{${at},le=~"900|900\\\\.0"}[$__range]))) / ` +
        `(sum(increase(orderscope_order_state_duration_seconds_count{${at}}[$__range])) - sum(increase(orderscope_order_state_duration_retracted_seconds_count{${at}}[$__range])))`,
    ]);
    expect(titled('time-in-state.json', 'quote_requested: left within 5m (SLO 99.5%)')).toBeDefined();
    // The bucket by value, as Prometheus 2 (from prom-client) and Prometheus 3 (normalised) store it.
    const matchers = files.flatMap((f) => get(f.name).panels.flatMap(exprs)).flatMap(leMatchersIn);
    expect(matchers.length).toBeGreaterThan(0);
    for (const m of matchers) expect([m, boundsSelectedOnBoth(model, m).length]).toEqual([m, 1]);
    expect(titled('time-in-state.json', 'placed: left within the SLA (2m)')).toBeDefined();
  });
});

describe('the lost orders dashboard', () => {
  it("lists lost orders by state and reason, each row linking to the tracker's page that lists them", () => {
    const table = titled('lost-orders.json', 'Lost in the time range, by state and reason');
    expect(table.targets).toEqual([
      expect.objectContaining({ expr: 'sum by (state, reason) (increase(orderscope_orders_lost_total{job=~"$tracker_job"}[$__range])) > 0', format: 'table', instant: true }),
    ]);
    expect(table.fieldConfig!.defaults.links).toEqual([expect.objectContaining({ url: '${tracker_url}/lost?state=${__data.fields.state}' })]);
    expect(table.links).toEqual([expect.objectContaining({ url: '${tracker_url}/lost' })]);
  });

  it("graphs losses by state and reason, each series linking to its state's lost orders on the tracker", () => {
    const p = titled('lost-orders.json', 'Lost per hour, by state and reason');
    expect(p.fieldConfig!.defaults.links).toEqual([expect.objectContaining({ url: '${tracker_url}/lost?state=${__field.labels.state}' })]);
  });

  it("lists the model's handoffs with a link to the orders lost before each", () => {
    const p = titled('lost-orders.json', 'Handoffs of the process model');
    expect(p.options!.content).toContain(
      '| quote_requested (shop) | pricing (mes) | 5m | RabbitMQ queue mes.pricing (shop -> MES) | [lost in quote_requested](${tracker_url}/lost?state=quote_requested) |',
    );
  });
});

describe('the pipeline health dashboard', () => {
  it('shows ingest, rejects by reason, apply lag, consumer lag, and RED of collector and tracker', () => {
    expect(panels('pipeline-health.json').map((p) => p.title)).toEqual([
      'Collector targets up',
      'Tracker targets up',
      'Events ingested per second',
      'Rejected share, by reason',
      'Collector requests per second, by route and status (rate)',
      'Collector errors (errors)',
      'Collector request duration (duration)',
      'Consumer lag',
      'Lag per partition, from the broker',
      'Partitions not ok, by status',
      'Bus problems per second',
      'Batches and events applied per second (rate)',
      'Apply failures (errors)',
      'Batch apply duration (duration)',
      'Apply lag',
      'Heartbeat age, by partition',
      'Lost-order detection',
      'Conformance violations and dropped observations per second',
      'Dead letters per hour, by reason',
    ]);
    expect(exprs(titled('pipeline-health.json', 'Apply lag'))).toEqual([
      'histogram_quantile(0.5, sum by (le) (rate(orderscope_tracker_apply_lag_seconds_bucket{job=~"$tracker_job"}[$__rate_interval])))',
      'histogram_quantile(0.99, sum by (le) (rate(orderscope_tracker_apply_lag_seconds_bucket{job=~"$tracker_job"}[$__rate_interval])))',
    ]);
    expect(exprs(titled('pipeline-health.json', 'Heartbeat age, by partition'))).toEqual([
      'time() - max by (partition) (orderscope_tracker_heartbeat_last_applied_timestamp_seconds{job=~"$tracker_job"})',
    ]);
  });

  it('shows every partition by the broker\'s offsets, folding the replicas that export the same values with max', () => {
    expect(exprs(titled('pipeline-health.json', 'Lag per partition, from the broker'))).toEqual([
      'max by (partition) (orderscope_bus_consumer_lag_messages{job=~"$tracker_job"})',
    ]);
    expect(exprs(titled('pipeline-health.json', 'Partitions not ok, by status'))).toEqual([
      'max by (partition, status) (orderscope_bus_partition_status{job=~"$tracker_job",status=~"stalled|lagging|rewound|unowned"}) == 1',
    ]);
  });
});

describe('dashboards for another model', () => {
  it('follow its states, SLAs and handoffs', () => {
    const other = loadModel(`name: tiny
states:
  - { name: open, system: web, expect_within: 30s, lost_after: 5m }
  - { name: closed, system: web, terminal: true }
transitions:
  - { from: open, to: closed }
`);
    const [overview, timeInState, lost] = dashboardFiles(other).map((f) => JSON.parse(f.content) as Dashboard);
    expect(timeInState!.panels.filter((p) => p.type === 'heatmap').map((p) => p.title)).toEqual(['open: time in state']);
    expect(overview!.panels.filter((p) => p.title.startsWith('Lead time to')).map((p) => [p.title, p.gridPos.w])).toEqual([['Lead time to closed', 24]]);
    expect(lost!.panels.find((p) => p.type === 'text')!.options!.content).toBe('The process model has no handoffs.');
  });
});
