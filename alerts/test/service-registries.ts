import { Registry } from 'prom-client';
import { KafkaPublisher, KafkaSource, LagMonitor } from '../../bus';
import { createCollectorMetrics } from '../../collector';
import { configSchema } from '../../common';
import type { ProcessModel } from '../../events';
import { ReconcileMetrics, TrackerMetrics } from '../../tracker';
import type { CatalogueService } from '../catalogue/metric-catalogue';

/** What one service registers, read back from its registry. */
export interface ServiceRegistry {
  /** Each metric with its type and help, as prom-client describes it. */
  readonly metrics: readonly { readonly name: string; readonly type: string; readonly help: string }[];
  /** The text exposition of the fresh registry (series that start at zero are in it). */
  readonly exposition: string;
}

/**
 * Builds each service's metrics the way the service does: its own factory on a fresh registry (the
 * tracker's with `model`, which gives its buckets). For the tests that hold the catalogue, which the
 * generators read without loading the services, to what the services really register and export.
 */
export async function serviceRegistries(model: ProcessModel): Promise<Record<CatalogueService, ServiceRegistry>> {
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

  const read = async (registry: Registry): Promise<ServiceRegistry> => ({
    metrics: (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type), help: m.help })),
    exposition: await registry.metrics(),
  });
  return { collector: await read(registries.collector), tracker: await read(registries.tracker), bus: await read(registries.bus) };
}
