import { Counter, Gauge, type Registry } from 'prom-client';
import { DROP_REASONS, KAFKA_BUS_METRICS } from '../metric-names';

/** The publisher's metrics. */
export function createPublisherMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS.producerResets;
  return { producerResets: new Counter({ name: m.name, help: m.help, registers: [registry] }) };
}

/** The source's metrics. */
export function createSourceMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS;
  const registers = [registry];
  const dropped = new Counter({ name: m.dropped.name, help: m.dropped.help, labelNames: [...m.dropped.labelNames], registers });
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0);
  return {
    dropped,
    handlerFailures: new Counter({ name: m.handlerFailures.name, help: m.handlerFailures.help, registers }),
  };
}

/** The lag monitor's metrics: per partition of the topic, the same on every tracker replica. */
export function createLagMonitorMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS;
  const registers = [registry];
  const gauge = <L extends string>(def: { name: string; help: string; labelNames: readonly L[] }) =>
    new Gauge<L>({ name: def.name, help: def.help, labelNames: [...def.labelNames], registers });
  return {
    lag: gauge(m.consumerLag),
    lagSeconds: gauge(m.partitionLagSeconds),
    committed: gauge(m.partitionCommitted),
    status: gauge(m.partitionStatus),
    failures: new Counter({ name: m.lagMonitorFailures.name, help: m.lagMonitorFailures.help, registers }),
  };
}
