// The services' leaf catalogues, not their index.ts, which would load the services themselves (pg,
// PGlite, express, kafkajs) into `orderscope generate`; catalogue-imports.test.ts keeps it so, and
// catalogue-check.test.ts that the services register exactly what these declare.
import { KAFKA_BUS_METRICS } from '../../bus/metric-names';
import { COLLECTOR_METRICS } from '../../collector/metric-names';
import { RECONCILE_METRICS, TRACKER_METRICS } from '../../tracker/metric-names';
import { metricNamesIn } from './promql-names';

/** The services whose metrics the generated rules and dashboards read. */
export type CatalogueService = 'collector' | 'tracker' | 'bus';

/** One metric a service registers, as its catalogue declares it. */
export interface CatalogueMetric {
  readonly service: CatalogueService;
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
}

/** The services' metrics and every series name Prometheus stores for them. */
export interface MetricCatalogue {
  readonly metrics: readonly CatalogueMetric[];
  /** Names as they appear in PromQL: a histogram `x` gives `x_bucket`, `x_sum` and `x_count`. */
  readonly seriesNames: ReadonlySet<string>;
}

/** Series Prometheus itself writes for every scrape target and alert. */
export const PROMETHEUS_SERIES: readonly string[] = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'ALERTS', 'ALERTS_FOR_STATE'];

const SERIES_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

type Declared = Readonly<Record<string, Omit<CatalogueMetric, 'service'>>>;

/** Each service's catalogues: the tracker's registry holds the reconciliation job's metrics too. */
const DECLARED: Readonly<Record<CatalogueService, readonly Declared[]>> = {
  collector: [COLLECTOR_METRICS],
  tracker: [TRACKER_METRICS, RECONCILE_METRICS],
  bus: [KAFKA_BUS_METRICS],
};

/**
 * The metric catalogue, read from the services' own catalogues (tracker/metric-names.ts,
 * collector/metric-names.ts, bus/metric-names.ts), the objects their metrics code registers from.
 * Nothing is listed by hand, so the catalogue cannot drift from the services.
 */
export function serviceMetricCatalogue(): MetricCatalogue {
  const metrics = (Object.entries(DECLARED) as [CatalogueService, readonly Declared[]][]).flatMap(([service, catalogues]) =>
    catalogues.flatMap((catalogue) => Object.values(catalogue).map(({ name, type, help }) => ({ service, name, type, help }))),
  );
  const seriesNames = new Set(metrics.flatMap((m) => (SERIES_SUFFIXES[m.type] ?? ['']).map((suffix) => `${m.name}${suffix}`)));
  return { metrics, seriesNames };
}

/** A metric name used somewhere that no service declares. */
export interface UnknownMetric {
  readonly name: string;
  /** Where it is used, e.g. "rule OrderLost" or "dashboard orderscope-overview, panel Lost orders". */
  readonly usedIn: readonly string[];
}

/**
 * The names that `uses` read but neither the catalogue, Prometheus (`up`, ...) nor `alsoKnown`
 * (e.g. the rule file's own recording rules) provide, each with where it is used.
 */
export function unknownMetrics(
  uses: Iterable<{ readonly where: string; readonly expr: string }>,
  catalogue: MetricCatalogue,
  alsoKnown: Iterable<string> = [],
): UnknownMetric[] {
  const known = new Set([...catalogue.seriesNames, ...PROMETHEUS_SERIES, ...alsoKnown]);
  const unknown = new Map<string, Set<string>>();
  for (const { where, expr } of uses) {
    for (const name of metricNamesIn(expr)) {
      if (!known.has(name)) unknown.set(name, (unknown.get(name) ?? new Set()).add(where));
    }
  }
  return [...unknown].sort(([a], [b]) => a.localeCompare(b)).map(([name, usedIn]) => ({ name, usedIn: [...usedIn].sort() }));
}

/** A message naming every undeclared metric and where it is used, so that it says what to add to which catalogue. */
export function describeUnknownMetrics(unknown: readonly UnknownMetric[]): string {
  const lines = unknown.map((u) => `  ${u.name}  (used in: ${u.usedIn.join('; ')})`);
  return (
    `${unknown.length} metric name(s) are read but declared by no service's metric catalogue ` +
    `(collector/metric-names.ts, tracker/metric-names.ts, bus/metric-names.ts):\n${lines.join('\n')}`
  );
}
