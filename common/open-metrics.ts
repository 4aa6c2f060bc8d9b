import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

/**
 * The metrics of `registry` in the OpenMetrics text format, the one format that carries exemplars
 * (prom-client prints a sample's `exemplar` only there), for a scraper that asks for it.
 *
 * prom-client renders OpenMetrics only from a registry of that content type, and while rendering it
 * renames each counter object it holds (strips `_total`). So the metrics are rendered through a
 * throwaway registry of views: each view reads its metric (the prototype) and takes the renaming on
 * itself, and the registry that serves the Prometheus text format is left as it was.
 */
export async function openMetricsText(registry: Registry): Promise<string> {
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray()) view.registerMetric(Object.create(metric) as Metric);
  return view.metrics();
}

/** True when an Accept header asks for OpenMetrics (Prometheus asks for it first by default). */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? '');
}

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;
