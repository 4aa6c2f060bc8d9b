import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar' with { 'resolution-mode': 'import' };
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec' with { 'resolution-mode': 'import' };
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements' with { 'resolution-mode': 'import' };
import { AGENT_TRACING_ENV } from '../../agents/node';
import { configSchema, envName, PROBE_PATHS, SHUTDOWN_DEADLINE_MS } from '../../common';
import { SERVICE_OPTIONS, type ServiceName } from '../../pipeline';
import { argsOf, listenerOf, nodeOptionsOf, type ServerName } from '../servers';
import { PRICING_THREADS } from './capacity';
import type { KubeObject, Models } from './models';

/**
 * The workloads: one per server of orderscope's image (the collector, the tracker, and the
 * pipeline's shop, crm, mes-api and mes-worker), each with its Service. Every port, probe path and
 * environment variable comes from the code the server runs (deploy/servers.ts, common/config.ts,
 * the pipeline's options), never written here a second time.
 */

/** The image every workload runs; an overlay's `images:` sets its registry and tag. */
export const IMAGE = 'orderscope';
/** The user `node` of the node:24-slim image that the Dockerfile switches to (`USER node`), by number: Kubernetes can only check a numeric user is not root. */
export const IMAGE_UID = 1000;
/** The ConfigMap of the deployment's endpoints (Kafka, the collector, Redis, traces): an overlay points them at the cluster's. */
export const ENVIRONMENT_CONFIG_MAP = 'orderscope-environment';
/** The Secret the workloads take their credentials from. It is created on the cluster, never committed (README, Run on Kubernetes). */
export const SECRET = 'orderscope-secrets';
/** The label on every pod that runs an orderscope agent: only these may reach the collector's ingest port. */
export const AGENT_LABEL = 'orderscope/agent';
/** The label of each Service that names its Prometheus job (ServiceMonitor `jobLabel`): the jobs the generated rules and dashboards query. */
export const JOB_LABEL = 'orderscope/job';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const PART_OF = { 'app.kubernetes.io/part-of': 'orderscope' } as const;
/** The port name of every container and Service: probes, ServiceMonitors and the NetworkPolicy use it. */
export const PORT_NAME = 'http';
/** Seconds a stopping pod keeps serving before SIGTERM, while the endpoints controller and proxies forget it. */
export const PRE_STOP_SECONDS = 5;

export interface Workload {
  readonly name: string;
  readonly server: ServerName;
  readonly kind: 'Deployment' | 'StatefulSet';
  /** The Prometheus job that scrapes it (the generated alert rules query orderscope-tracker and orderscope-collector). */
  readonly job: string;
  /** Runs an agent, which posts order events to the collector. */
  readonly agent: boolean;
  readonly env: readonly IEnvVar[];
  readonly resources: IResourceRequirements;
}

const defaults = configSchema.parse({});
export const fromSecret = (name: string, optional = false): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: SECRET, key: name, ...(optional && { optional }) } } });
export const fromEnvironment = (name: string, optional = false): IEnvVar => ({ name, valueFrom: { configMapKeyRef: { name: ENVIRONMENT_CONFIG_MAP, key: name, ...(optional && { optional }) } } });
/** The environment variable of a pipeline service's option. */
export const optionEnv = (service: ServiceName, key: string) => SERVICE_OPTIONS[service].find((o) => o.key === key)!.env;
const kafka = (key: 'topic' | 'partitions' | 'groupId'): IEnvVar => ({ name: envName(['kafka', key]), value: String(defaults.kafka[key]) });
const TOKEN = 'ORDERSCOPE_TOKEN';
const OTEL_TRACES = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
/** The agents' span exporter (otlp or zipkin) and Zipkin's endpoint: OpenTelemetry's own variables. */
const OTEL_EXPORTER = 'OTEL_TRACES_EXPORTER';
const OTEL_ZIPKIN = 'OTEL_EXPORTER_ZIPKIN_ENDPOINT';
const TRACE_BACKEND = envName(['tracker', 'traceBackend']);
const TRACE_BACKEND_URL = envName(['tracker', 'traceBackendUrl']);

/** What the ConfigMap of endpoints holds: examples to be replaced by the cluster's own, in an overlay. */
export function environmentData(): Record<string, string> {
  return {
    [envName(['kafka', 'brokers'])]: 'kafka:9092',
    [optionEnv('shop', 'collectorUrl')]: `http://collector:${listenerOf('collector').port}`,
    [optionEnv('mes-worker', 'redisUrl')]: 'redis://redis:6379',
    [optionEnv('crm', 'operators')]: 'anna:2:40,ben:1:20,carla:1:20',
    // Spans go to Tempo over OTLP; OTEL_TRACES_EXPORTER=zipkin sends them to Zipkin's endpoint instead.
    [OTEL_EXPORTER]: 'otlp',
    [OTEL_TRACES]: 'http://tempo:4318/v1/traces',
    [OTEL_ZIPKIN]: 'http://zipkin:9411/api/v2/spans',
    // Where the tracker's trace links and order trace searches lead the reader's browser: Grafana's
    // Explore on Tempo (zipkin or jaeger: their own UI's URL).
    [TRACE_BACKEND]: 'tempo',
    [TRACE_BACKEND_URL]: 'https://grafana.example.com',
  };
}

const mebibytes = (n: number) => `${n}Mi`;
const resources = (cpu: [string, string], memory: [number, number]): IResourceRequirements => ({
  requests: { cpu: cpu[0], memory: mebibytes(memory[0]) },
  limits: { cpu: cpu[1], memory: mebibytes(memory[1]) },
});

/** Every workload, in the order the manifests list them. */
export function workloads(): Workload[] {
  // Every variable of the agent's tracing, each optional: the ConfigMap sets the exporter's, and an
  // overlay may add the others to it (OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg, a sampler's ratio).
  const agentEnv = (service: ServiceName): IEnvVar[] => [fromEnvironment(optionEnv(service, 'collectorUrl')), fromSecret(TOKEN), ...AGENT_TRACING_ENV.map((name) => fromEnvironment(name, true))];
  const pipeline = (service: ServiceName, env: IEnvVar[], res: IResourceRequirements): Workload => ({
    name: service,
    server: service,
    kind: 'Deployment',
    job: 'orderscope-pipeline',
    agent: true,
    env: [...agentEnv(service), ...env],
    resources: res,
  });
  return [
    {
      name: 'collector',
      server: 'collector',
      kind: 'Deployment',
      job: 'orderscope-collector',
      agent: false,
      env: [fromEnvironment(envName(['kafka', 'brokers'])), kafka('topic'), kafka('partitions'), fromSecret(TOKEN)],
      resources: resources(['500m', '1'], [256, 512]),
    },
    {
      // A StatefulSet for stable pod names: each tracker's name (tracker.instance) keeps its histogram totals across restarts.
      name: 'tracker',
      server: 'tracker',
      kind: 'StatefulSet',
      job: 'orderscope-tracker',
      agent: false,
      env: [
        { name: envName(['tracker', 'instance']), valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        fromEnvironment(envName(['kafka', 'brokers'])),
        kafka('topic'),
        kafka('partitions'),
        kafka('groupId'),
        fromSecret(envName(['postgres', 'url'])),
        fromSecret(envName(['postgres', 'readUrl']), true),
        fromSecret(TOKEN),
        fromEnvironment(TRACE_BACKEND, true),
        fromEnvironment(TRACE_BACKEND_URL, true),
      ],
      // Its heap is bounded (nodeOptionsOf, deploy/servers.ts): 256 MiB of heap with 8 MiB semi-spaces peaked at 233 to 241 MiB resident in the tracker bench on Node.js 24.
      resources: resources(['1', '2'], [384, 512]),
    },
    pipeline('shop', [fromSecret(optionEnv('shop', 'amqpUrl')), fromSecret(optionEnv('shop', 'databaseUrl'))], resources(['250m', '1'], [256, 512])),
    pipeline('crm', [fromSecret(optionEnv('crm', 'amqpUrl')), fromSecret(optionEnv('crm', 'databaseUrl')), fromEnvironment(optionEnv('crm', 'operators'))], resources(['250m', '1'], [256, 512])),
    pipeline('mes-api', [fromSecret(optionEnv('mes-api', 'amqpUrl')), fromSecret(optionEnv('mes-api', 'databaseUrl')), fromSecret(optionEnv('mes-api', 'readDatabaseUrl'), true)], resources(['250m', '1'], [256, 512])),
    pipeline(
      'mes-worker',
      [
        fromSecret(optionEnv('mes-worker', 'amqpUrl')),
        fromSecret(optionEnv('mes-worker', 'databaseUrl')),
        fromEnvironment(optionEnv('mes-worker', 'redisUrl')),
        { name: optionEnv('mes-worker', 'concurrency'), value: String(PRICING_THREADS) },
      ],
      // One pricing thread is one core: request what it uses, so that CPU is what KEDA adds replicas for.
      resources([String(PRICING_THREADS), String(PRICING_THREADS)], [384, 768]),
    ),
  ];
}

/** Every key of the Secret some workload reads, with whether it may be absent. */
export function secretKeys(): { key: string; optional: boolean }[] {
  const keys = new Map<string, boolean>();
  for (const w of workloads()) {
    for (const e of w.env) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) keys.set(ref.key, (keys.get(ref.key) ?? true) && ref.optional === true);
    }
  }
  return [...keys].map(([key, optional]) => ({ key, optional }));
}

export const selectorOf = (w: { name: string }) => ({ [NAME_LABEL]: w.name });
const labelsOf = (w: Workload) => ({ ...selectorOf(w), ...PART_OF, ...(w.agent && { [AGENT_LABEL]: 'true' }) });

/** Seconds a pod may take to stop: the pre-stop pause, then the servers' own shutdown deadline, and a margin for the process to exit. */
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + SHUTDOWN_DEADLINE_MS / 1000 + 5;

/**
 * How long a container may take to answer its liveness probe at start: the tracker waits up to
 * tracker.instanceLeaseWaitMs for its name's lease (a killed predecessor's expires) and migrates the
 * schema before it listens.
 */
const STARTUP_SECONDS = defaults.tracker.instanceLeaseWaitMs / 1000 + 30;
const STARTUP_PERIOD_SECONDS = 5;

/** Every container's: the "restricted" Pod Security Standard, and a root filesystem no process can change. */
export const CONTAINER_SECURITY_CONTEXT: NonNullable<IContainer['securityContext']> = {
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function container(w: Workload): IContainer {
  const listener = listenerOf(w.server);
  const nodeOptions = nodeOptionsOf(w.server);
  return {
    name: w.name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: argsOf(w.server),
    ports: [{ name: PORT_NAME, containerPort: listener.port, protocol: 'TCP' }],
    env: [
      { name: listener.hostEnv, value: '0.0.0.0' },
      { name: listener.portEnv, value: String(listener.port) },
      ...(nodeOptions === undefined ? [] : [{ name: 'NODE_OPTIONS', value: nodeOptions }]),
      ...w.env,
    ],
    startupProbe: { httpGet: { path: PROBE_PATHS.live, port: PORT_NAME }, periodSeconds: STARTUP_PERIOD_SECONDS, failureThreshold: Math.ceil(STARTUP_SECONDS / STARTUP_PERIOD_SECONDS) },
    livenessProbe: { httpGet: { path: PROBE_PATHS.live, port: PORT_NAME }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    readinessProbe: { httpGet: { path: PROBE_PATHS.ready, port: PORT_NAME }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    // The pod leaves the Services' endpoints first; SIGTERM comes after the pause, and the server then stops within its deadline.
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
    resources: w.resources,
    securityContext: CONTAINER_SECURITY_CONTEXT,
    volumeMounts: [
      // The agents' spools (/app/.orderscope/spool/...): kept across container restarts, not pod deletion.
      { name: 'state', mountPath: '/app/.orderscope' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function podSpec(w: Workload): IPodSpec {
  return {
    automountServiceAccountToken: false,
    // No {SERVICE}_PORT variables in the environment: the servers read only the variables they are given.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: { runAsNonRoot: true, fsGroup: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container(w)],
    volumes: [
      { name: 'state', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ],
  };
}

/** The workload's Deployment or StatefulSet (one replica: the overlays set more), and its Service. */
export function workloadObjects(m: Models, w: Workload): KubeObject[] {
  const metadata = { name: w.name, labels: labelsOf(w) };
  const template = { metadata: { labels: labelsOf(w) }, spec: podSpec(w) };
  const selector = { matchLabels: selectorOf(w) };
  const workload =
    w.kind === 'StatefulSet'
      ? new m.StatefulSet({ metadata, spec: { serviceName: w.name, podManagementPolicy: 'Parallel', replicas: 1, selector, template } })
      : new m.Deployment({ metadata, spec: { replicas: 1, selector, template } });
  const service = new m.Service({
    metadata: { name: w.name, labels: { ...selectorOf(w), ...PART_OF, [JOB_LABEL]: w.job } },
    spec: { type: 'ClusterIP', selector: selectorOf(w), ports: [{ name: PORT_NAME, port: listenerOf(w.server).port, targetPort: PORT_NAME, protocol: 'TCP' }] },
  });
  return [workload, service].map((o) => o.toJSON() as KubeObject);
}

/**
 * The collector's NetworkPolicy: its port (ingest, and /metrics beside it) takes connections only
 * from pods that run an agent, in any namespace, and from Prometheus, which scrapes it.
 */
export function collectorNetworkPolicy(m: Models): KubeObject {
  const port = listenerOf('collector').port;
  return new m.NetworkPolicy({
    metadata: { name: 'collector-ingest', labels: { ...PART_OF } },
    spec: {
      podSelector: { matchLabels: selectorOf({ name: 'collector' }) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { namespaceSelector: {}, podSelector: { matchLabels: { [AGENT_LABEL]: 'true' } } },
            { namespaceSelector: {}, podSelector: { matchLabels: { [NAME_LABEL]: 'prometheus' } } },
          ],
          ports: [{ protocol: 'TCP', port }],
        },
      ],
    },
  }).toJSON() as KubeObject;
}

export function environmentConfigMap(m: Models): KubeObject {
  return new m.ConfigMap({ metadata: { name: ENVIRONMENT_CONFIG_MAP, labels: { ...PART_OF } }, data: environmentData() }).toJSON() as KubeObject;
}
