import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's default gauges that break Prometheus' naming rule (`promtool check metrics`:
 * "non-counter metrics should not have _total suffix"). Each is the sum of a gauge it also exports
 * by type (nodejs_active_handles{type}, ...), so dropping them loses nothing: `sum()` gives the total.
 */
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Registers the process and Node.js runtime metrics (CPU, memory, event loop lag, GC, handles) once
 * per registry, without the misnamed ones, so that a service's /metrics passes `promtool check metrics`.
 */
export function collectProcessMetrics(registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
}
