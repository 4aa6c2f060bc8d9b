import { COLLECTOR_METRICS, COLLECTOR_ROUTES } from '../../collector/metric-names';
import { configSchema, envName } from '../../common';
import { QUEUES, SERVICE_OPTIONS } from '../../pipeline';
import { thresholds, type Threshold } from './capacity';
import type { KubeObject, Models } from './models';
import { PART_OF, selectorOf, type Workload } from './workloads';

/**
 * KEDA ScaledObjects and PodDisruptionBudgets, for the production overlay:
 * - the trackers on their consumer group's lag (KEDA's Kafka scaler), never more replicas than the
 *   topic has partitions (a consumer beyond that would idle);
 * - the pricing workers on the depth of the mes.pricing queue (KEDA's RabbitMQ scaler);
 * - the collectors on CPU and on requests per second (KEDA's CPU and Prometheus scalers).
 * The scalers read Kafka's and RabbitMQ's addresses, topic and group from the target's own
 * environment (`...FromEnv`), so they always watch what the workload consumes. Each threshold carries
 * the measurement it is derived from in an annotation (capacity.ts, README "Scaling").
 */

/** Where KEDA asks Prometheus (the Prometheus Operator's `prometheus-operated` Service in namespace `monitoring`): patch it for your cluster. */
export const PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';

export interface ScalingBounds {
  readonly min: number;
  readonly max: number;
}

const kafkaDefaults = configSchema.parse({}).kafka;

/** The replica bounds in production. The trackers' maximum is the topic's partition count. */
export const PRODUCTION_BOUNDS: Readonly<Record<'collector' | 'tracker' | 'mes-worker', ScalingBounds>> = {
  collector: { min: 2, max: 6 },
  tracker: { min: 2, max: kafkaDefaults.partitions },
  'mes-worker': { min: 2, max: 8 },
};

const THRESHOLD_ANNOTATION = 'orderscope/thresholds';
const annotate = (entries: [string, Threshold][]) => ({ [THRESHOLD_ANNOTATION]: entries.map(([name, t]) => `${name} ${t.value}: ${t.reason}`).join('; ') });

/** The collector's request rate over the last two minutes, as Prometheus scrapes it in `namespace`. */
export function collectorRequestRateQuery(namespace: string): string {
  return `sum(rate(${COLLECTOR_METRICS.httpRequests.name}{job="orderscope-collector",namespace="${namespace}",route="${COLLECTOR_ROUTES[0]}"}[2m]))`;
}

export function scaledObjects(m: Models, byName: (name: string) => Workload, namespace: string): KubeObject[] {
  const t = thresholds();
  const target = (w: Workload) => ({ apiVersion: 'apps/v1', kind: w.kind, name: w.name });
  const tracker = byName('tracker');
  const worker = byName('mes-worker');
  const collector = byName('collector');
  const amqpEnv = SERVICE_OPTIONS['mes-worker'].find((o) => o.key === 'amqpUrl')!.env;
  return [
    new m.ScaledObject({
      metadata: { name: tracker.name, labels: { ...PART_OF }, annotations: annotate([['lagThreshold', t.trackerLag]]) },
      spec: {
        scaleTargetRef: target(tracker),
        minReplicaCount: PRODUCTION_BOUNDS.tracker.min,
        maxReplicaCount: PRODUCTION_BOUNDS.tracker.max,
        pollingInterval: 15,
        // Each change of the group's members is a rebalance: scale down slowly, one tracker a minute.
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } } },
        triggers: [
          {
            type: 'kafka',
            metadata: {
              bootstrapServersFromEnv: envName(['kafka', 'brokers']),
              consumerGroupFromEnv: envName(['kafka', 'groupId']),
              topicFromEnv: envName(['kafka', 'topic']),
              lagThreshold: String(t.trackerLag.value),
              // The trackers read a new group's partitions from the beginning (KafkaSource subscribes fromBeginning).
              offsetResetPolicy: 'earliest',
              allowIdleConsumers: 'false',
            },
          },
        ],
      },
    }),
    new m.ScaledObject({
      metadata: { name: worker.name, labels: { ...PART_OF }, annotations: annotate([['value', t.pricingQueue]]) },
      spec: {
        scaleTargetRef: target(worker),
        minReplicaCount: PRODUCTION_BOUNDS['mes-worker'].min,
        maxReplicaCount: PRODUCTION_BOUNDS['mes-worker'].max,
        pollingInterval: 15,
        triggers: [{ type: 'rabbitmq', metadata: { protocol: 'amqp', hostFromEnv: amqpEnv, queueName: QUEUES.pricing.name, mode: 'QueueLength', value: String(t.pricingQueue.value) } }],
      },
    }),
    new m.ScaledObject({
      metadata: { name: collector.name, labels: { ...PART_OF }, annotations: annotate([['cpu', t.collectorCpuPercent], ['threshold', t.collectorRequests]]) },
      spec: {
        scaleTargetRef: target(collector),
        minReplicaCount: PRODUCTION_BOUNDS.collector.min,
        maxReplicaCount: PRODUCTION_BOUNDS.collector.max,
        pollingInterval: 15,
        triggers: [
          { type: 'cpu', metricType: 'Utilization', metadata: { value: String(t.collectorCpuPercent.value) } },
          { type: 'prometheus', metadata: { serverAddress: PROMETHEUS_URL, query: collectorRequestRateQuery(namespace), threshold: String(t.collectorRequests.value) } },
        ],
      },
    }),
  ].map((o) => o.toJSON() as KubeObject);
}

/** At most one pod of each workload down at a time for a voluntary disruption (a node drain, an upgrade). */
export function disruptionBudgets(m: Models, all: readonly Workload[]): KubeObject[] {
  return all.map(
    (w) =>
      new m.PodDisruptionBudget({
        metadata: { name: w.name, labels: { ...PART_OF } },
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(w) } },
      }).toJSON() as KubeObject,
  );
}
