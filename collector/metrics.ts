import { Counter, Histogram, type Registry } from 'prom-client';
import { collectProcessMetrics } from '../common';
import { REJECTION_REASONS } from './ingest/rejection-reason';
import { BUS_ERROR_REASONS, COLLECTOR_METRICS, HEARTBEAT_OUTCOMES } from './metric-names';

/** The live metrics of one collector. */
export interface CollectorMetrics {
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'route'>;
  readonly eventsAccepted: Counter;
  readonly eventsRejected: Counter<'reason'>;
  readonly publishDuration: Histogram<'outcome'>;
  readonly busErrors: Counter<'reason'>;
  readonly heartbeats: Counter<'outcome'>;
}

/**
 * Registers the collector's metrics on `registry`, plus Node's default process metrics unless the
 * registry already has them (in embedded mode the tracker shares the registry). Label values that
 * are known in advance start at 0, so a rate() over them works from the first scrape.
 */
export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const m = COLLECTOR_METRICS;
  const registers = [registry];
  const metrics: CollectorMetrics = {
    httpRequests: new Counter({ ...m.httpRequests, labelNames: [...m.httpRequests.labelNames], registers }),
    httpRequestDuration: new Histogram({ ...m.httpRequestDuration, labelNames: [...m.httpRequestDuration.labelNames], buckets: [...m.httpRequestDuration.buckets], registers }),
    eventsAccepted: new Counter({ name: m.eventsAccepted.name, help: m.eventsAccepted.help, registers }),
    eventsRejected: new Counter({ name: m.eventsRejected.name, help: m.eventsRejected.help, labelNames: [...m.eventsRejected.labelNames], registers }),
    publishDuration: new Histogram({ ...m.publishDuration, labelNames: [...m.publishDuration.labelNames], buckets: [...m.publishDuration.buckets], registers }),
    busErrors: new Counter({ name: m.busErrors.name, help: m.busErrors.help, labelNames: [...m.busErrors.labelNames], registers }),
    heartbeats: new Counter({ ...m.heartbeats, labelNames: [...m.heartbeats.labelNames], registers }),
  };
  for (const outcome of HEARTBEAT_OUTCOMES) metrics.heartbeats.inc({ outcome }, 0);
  for (const reason of REJECTION_REASONS) metrics.eventsRejected.inc({ reason }, 0);
  for (const reason of BUS_ERROR_REASONS) metrics.busErrors.inc({ reason }, 0);
  metrics.eventsAccepted.inc(0);
  collectProcessMetrics(registry);
  return metrics;
}
