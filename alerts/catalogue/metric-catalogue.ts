import { Registry } from 'prom-client';
import { KafkaPublisher, KafkaSource, LagMonitor } from '../../bus';
import { createCollectorMetrics } from '../../collector';
import { configSchema } from '../../common';
import type { ProcessModel } from '../../events';
import { ReconcileMetrics, TrackerMetrics } from '../../tracker';
import { metricNamesIn } from './promql-names';

/** One metric a service registers, as prom-client describes it. */
export interface CatalogueMetric {
  readonly service: 'collector' | 'tracker' | 'bus';
  readonly name: string;
  readonly type: string;
  readonly help: string;
}

/** The services' metrics and every series name Prometheus stores for them. */
export interface MetricCatalogue {
  readonly metrics: readonly CatalogueMetric[];
  /** Names as they appear in PromQL: a histogram `x` gives `x_bucket`, `x_sum` and `x_count`. */
  readonly seriesNames: ReadonlySet<string>;
  /** The text exposition of each service's fresh registry (series that start at zero are in it). */
  readonly exposition: Readonly<Record<CatalogueMetric['service'], string>>;
}

/** Series Prometheus itself writes for every scrape target and alert. */
export const PROMETHEUS_SERIES: readonly string[] = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'ALERTS', 'ALERTS_FOR_STATE'];

const SERIES_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Builds the metric catalogue the way the services build their metrics: each service's own
 * factory on a fresh registry (the tracker's with `model`, which gives its buckets), read back with
 * `getMetricsAsJSON()`. Nothing is listed by hand, so the catalogue cannot drift from the services.
 */
export async function serviceMetricCatalogue(model: ProcessModel): Promise<MetricCatalogue> {
  const registries = {
    collector: new Registry(),
    tracker: new Registry(),
    bus: new Registry(),
  } as const;
  createCollectorMetrics(registries.collector);
  new TrackerMetrics({
    registry: registries.tracker,
    model,
    readOccupancy: async () => [],
    onOccupancyError: () => {},
    readTotals: async () => [],
    exportsDurations: () => true,
    onTotalsError: () => {},
  });
  new ReconcileMetrics(registries.tracker);
  // Construction only registers the metrics; nothing connects until start().
  const kafka = configSchema.parse({}).kafka;
  new KafkaPublisher({ kafka, registry: registries.bus });
  new KafkaSource({ kafka, registry: registries.bus });
  new LagMonitor({ kafka, registry: registries.bus });

  const metrics: CatalogueMetric[] = [];
  const exposition = {} as Record<CatalogueMetric['service'], string>;
  for (const [service, registry] of Object.entries(registries) as [CatalogueMetric['service'], Registry][]) {
    for (const m of await registry.getMetricsAsJSON()) metrics.push({ service, name: m.name, type: String(m.type), help: m.help });
    exposition[service] = await registry.metrics();
  }
  const seriesNames = new Set(metrics.flatMap((m) => (SERIES_SUFFIXES[m.type] ?? ['']).map((suffix) => `${m.name}${suffix}`)));
  return { metrics, seriesNames, exposition };
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
    `(collector/metrics.ts, tracker/metrics.ts, bus/kafka-bus.ts):\n${lines.join('\n')}`
  );
}
