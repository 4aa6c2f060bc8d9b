import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { AGENT_TRACING_ENV } from '../../agents/node';
import { DEFAULT_ALERT_OPTIONS, metricNamesIn, serviceMetricCatalogue } from '../../alerts';
import { COLLECTOR_ROUTES } from '../../collector';
import { configSchema, loadConfig, PROBE_PATHS, PROJECT_ROOT, SHUTDOWN_DEADLINE_MS } from '../../common';
import { QUEUES, SERVICE_OPTIONS } from '../../pipeline';
import { environmentOf, listenerOf, nodeOptionsOf, serverOf, type ServerName } from '../servers';
import {
  AGENT_LABEL,
  ENVIRONMENT_CONFIG_MAP,
  JOB_LABEL,
  KUBERNETES_DIR,
  loadModels,
  MEASURED,
  OVERLAYS,
  PRE_STOP_SECONDS,
  SECRET,
  TERMINATION_GRACE_SECONDS,
  thresholds,
  validateObject,
  workloads,
  type KubeObject,
  type Models,
  type OverlayName,
} from '.';

/*
 * What `kubectl kustomize` renders from each overlay, checked for what would break it on a cluster
 * (there is none here): every object against the JSON schema of its kind, and every port, probe,
 * variable, Secret, topic, group, queue and metric against what the services actually read.
 */

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  securityContext: Record<string, unknown>;
  lifecycle: { preStop: { exec: { command: string[] } } };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds: number; securityContext: Record<string, unknown> };
}
type Workload = KubeObject & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } };
type Service = KubeObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } };
interface Trigger {
  type: string;
  metricType?: string;
  metadata: Record<string, string>;
}
type ScaledObject = KubeObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Trigger[] } };

const root = path.join(PROJECT_ROOT, KUBERNETES_DIR);
const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

function render(overlay: OverlayName): KubeObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', path.join(root, 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  } catch (err) {
    throw new Error(`kubectl kustomize deploy/kubernetes/overlays/${overlay} failed (is kubectl on the PATH?): ${(err as Error).message}`, { cause: err });
  }
  return parseAllDocuments(output).map((d) => d.toJS() as KubeObject);
}

/** One rendered overlay, with lookups. */
class Rendered {
  constructor(
    readonly overlay: OverlayName,
    readonly objects: KubeObject[],
  ) {}
  ofKind<T extends KubeObject>(kind: string): T[] {
    return this.objects.filter((o) => o.kind === kind) as T[];
  }
  get workloads(): Workload[] {
    return this.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as Workload[];
  }
  find<T extends KubeObject>(kind: string, name: string): T {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${this.overlay}: no ${kind} ${name}`);
    return found as T;
  }
  /**
   * A container's environment as the kubelet gives it: values, ConfigMap keys (the ConfigMap must be
   * in the overlay; an optional key it lacks is left out), Secret keys (as a placeholder: Secrets are not in the repository), pod fields.
   */
  environment(workload: Workload, container: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of container.env) {
      const from = e.valueFrom;
      if (e.value !== undefined) env[e.name] = e.value;
      else if (from?.configMapKeyRef) {
        if (from.configMapKeyRef.name !== ENVIRONMENT_CONFIG_MAP) throw new Error(`${workload.metadata.name}: ${e.name} reads the ConfigMap ${from.configMapKeyRef.name}`);
        const value = this.find<KubeObject & { data: Record<string, string> }>('ConfigMap', from.configMapKeyRef.name).data[from.configMapKeyRef.key];
        // As the kubelet does: a missing optional key leaves the variable unset, a missing required one fails the pod.
        if (value === undefined && from.configMapKeyRef.optional) continue;
        if (value === undefined) throw new Error(`${workload.metadata.name}: ${e.name} reads the missing key ${from.configMapKeyRef.key}`);
        env[e.name] = value;
      } else if (from?.secretKeyRef) env[e.name] = `secret:${from.secretKeyRef.key}`;
      else if (from?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${workload.metadata.name}-0`;
      else throw new Error(`${workload.metadata.name}: ${e.name} has no value this test can resolve`);
    }
    return env;
  }
}

const rendered = {} as Record<OverlayName, Rendered>;
let models: Models;
beforeAll(async () => {
  models = await loadModels();
  for (const overlay of Object.keys(OVERLAYS) as OverlayName[]) rendered[overlay] = new Rendered(overlay, render(overlay));
});

const serverOfWorkload = (w: Workload): ServerName => {
  const server = serverOf(w.spec.template.spec.containers[0]!.args);
  if (!server) throw new Error(`${w.metadata.name}: runs no server of the image (${w.spec.template.spec.containers[0]!.args.join(' ')})`);
  return server;
};
const WORKLOAD_NAMES = ['collector', 'tracker', 'shop', 'crm', 'mes-api', 'mes-worker'];

describe.each(Object.keys(OVERLAYS) as OverlayName[])('the %s overlay', (overlay) => {
  it('renders with kubectl kustomize, and every object validates against the schema of its kind', () => {
    const { objects } = rendered[overlay];
    const problems: string[] = [];
    for (const o of objects) {
      try {
        validateObject(models, o);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    expect(problems).toEqual([]);
    const kinds = (k: string) => objects.filter((o) => o.kind === k).length;
    expect({
      Namespace: kinds('Namespace'),
      Deployment: kinds('Deployment'),
      StatefulSet: kinds('StatefulSet'),
      Service: kinds('Service'),
      ServiceMonitor: kinds('ServiceMonitor'),
      PrometheusRule: kinds('PrometheusRule'),
      ConfigMap: kinds('ConfigMap'),
      NetworkPolicy: kinds('NetworkPolicy'),
      ScaledObject: kinds('ScaledObject'),
      PodDisruptionBudget: kinds('PodDisruptionBudget'),
    }).toEqual({
      Namespace: 1,
      Deployment: 5,
      StatefulSet: 1,
      Service: 6,
      ServiceMonitor: 6,
      PrometheusRule: 1,
      ConfigMap: 5,
      NetworkPolicy: 1,
      ScaledObject: overlay === 'production' ? 3 : 0,
      PodDisruptionBudget: overlay === 'production' ? 6 : 0,
    });
    expect(objects.length).toBe(overlay === 'production' ? 35 : 26);
    // Every namespaced object lands in the overlay's namespace.
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== OVERLAYS[overlay]).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    expect(rendered[overlay].find('Namespace', OVERLAYS[overlay]).metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('holds exactly the generated alert rules in its PrometheusRule, and each generated dashboard in a ConfigMap for Grafana\'s sidecar', () => {
    const rule = rendered[overlay].find<KubeObject & { spec: unknown }>('PrometheusRule', 'orderscope');
    expect(rule.spec).toEqual({ groups: (parse(read('alerts/generated/orderscope.rules.yml')) as { groups: unknown }).groups });
    const dashboards = rendered[overlay].ofKind<KubeObject & { data: Record<string, string> }>('ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    const files = readdirSync(path.join(PROJECT_ROOT, 'dashboards', 'generated')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(4);
    expect(Object.assign({}, ...dashboards.map((d) => d.data))).toEqual(Object.fromEntries(files.map((f) => [f, read(`dashboards/generated/${f}`)])));
    expect(dashboards.map((d) => d.metadata.annotations?.grafana_folder)).toEqual(files.map(() => 'orderscope'));
  });

  it('gives every container the port, probes and environment its server reads, and a Service on that port', () => {
    const r = rendered[overlay];
    const problems: string[] = [];
    expect(r.workloads.map((w) => w.metadata.name).sort()).toEqual([...WORKLOAD_NAMES].sort());
    for (const w of r.workloads) {
      const name = w.metadata.name;
      const [container, ...others] = w.spec.template.spec.containers;
      if (others.length) problems.push(`${name}: more than one container`);
      const server = serverOfWorkload(w);
      const env = r.environment(w, container!);
      const listener = listenerOf(server, env);
      const reads = environmentOf(server);
      for (const variable of Object.keys(env)) if (!reads.has(variable)) problems.push(`${name}: sets ${variable}, which ${server} does not read`);
      if (env.NODE_OPTIONS !== nodeOptionsOf(server)) problems.push(`${name}: NODE_OPTIONS ${env.NODE_OPTIONS}, not ${nodeOptionsOf(server)}`);
      if (env[listener.hostEnv] !== '0.0.0.0') problems.push(`${name}: ${listener.hostEnv} is not 0.0.0.0`);
      const port = container!.ports.find((p) => p.name === 'http');
      if (port?.containerPort !== listener.port) problems.push(`${name}: declares port ${port?.containerPort}, listens on ${listener.port}`);
      for (const [probe, want] of [['readinessProbe', PROBE_PATHS.ready], ['livenessProbe', PROBE_PATHS.live], ['startupProbe', PROBE_PATHS.live]] as const) {
        const get = container![probe].httpGet;
        if (get.path !== want || get.port !== 'http') problems.push(`${name}: ${probe} probes ${get.path} on ${get.port}`);
      }
      // What would otherwise point at loopback, or is required, is set.
      for (const variable of mustBeSet(server)) if (env[variable] === undefined) problems.push(`${name}: ${variable} is not set`);
      if (server === 'collector' || server === 'tracker') {
        const config = configOf(env);
        if (config[server].port !== listener.port || config[server].host !== '0.0.0.0') problems.push(`${name}: its config listens on ${config[server].host}:${config[server].port}`);
      }
      const service = r.find<Service>('Service', name);
      if (!Object.entries(service.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v)) problems.push(`${name}: its Service selects other pods`);
      if (JSON.stringify(service.spec.selector) !== JSON.stringify(w.spec.selector.matchLabels)) problems.push(`${name}: its Service and its workload select differently`);
      if (service.spec.ports.map((p) => `${p.name}:${p.port}->${p.targetPort}`).join() !== `http:${listener.port}->http`) problems.push(`${name}: Service ports ${JSON.stringify(service.spec.ports)}`);
    }
    expect(problems).toEqual([]);
  });

  it('scrapes every Service under the jobs the generated rules and dashboards query', () => {
    const r = rendered[overlay];
    const services = r.ofKind<Service>('Service');
    const jobs = Object.fromEntries(
      r.ofKind<KubeObject & { spec: { jobLabel: string; selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } }>('ServiceMonitor').map((sm) => {
        const selected = services.filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
        expect(selected).toHaveLength(1);
        expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
        return [selected[0]!.metadata.name, selected[0]!.metadata.labels![sm.spec.jobLabel]];
      }),
    );
    expect(jobs).toEqual({
      collector: DEFAULT_ALERT_OPTIONS.collectorJob,
      tracker: DEFAULT_ALERT_OPTIONS.trackerJob,
      shop: 'orderscope-pipeline',
      crm: 'orderscope-pipeline',
      'mes-api': 'orderscope-pipeline',
      'mes-worker': 'orderscope-pipeline',
    });
    expect(JOB_LABEL).toBe('orderscope/job');
  });

  it('lets only the pods that run an agent (and Prometheus) reach the collector\'s port', () => {
    const r = rendered[overlay];
    const [policy] = r.ofKind<KubeObject & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: { from: unknown[]; ports: { port: number }[] }[] } }>('NetworkPolicy');
    const collector = r.find<Workload>('Deployment', 'collector');
    expect(policy!.spec.podSelector.matchLabels).toEqual(collector.spec.selector.matchLabels);
    expect(policy!.spec.policyTypes).toEqual(['Ingress']);
    expect(policy!.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: {}, podSelector: { matchLabels: { [AGENT_LABEL]: 'true' } } },
          { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
        ],
        ports: [{ protocol: 'TCP', port: listenerOf('collector').port }],
      },
    ]);
    // Agents are exactly the pods that post to the collector.
    const agents = r.workloads.filter((w) => w.spec.template.metadata.labels[AGENT_LABEL] === 'true').map((w) => w.metadata.name);
    const posting = r.workloads.filter((w) => w.spec.template.spec.containers[0]!.env.some((e) => e.name === 'ORDERSCOPE_COLLECTOR_URL')).map((w) => w.metadata.name);
    expect(agents).toEqual(posting);
    expect(agents.sort()).toEqual(['crm', 'mes-api', 'mes-worker', 'shop']);
    const url = new URL(rendered[overlay].environment(r.find('Deployment', 'shop'), r.find<Workload>('Deployment', 'shop').spec.template.spec.containers[0]!).ORDERSCOPE_COLLECTOR_URL!);
    expect([url.hostname, Number(url.port)]).toEqual(['collector', listenerOf('collector').port]);
    // Each agent can be given every OpenTelemetry variable its tracing reads (an instrumentation left
    // out, a sampler), from the ConfigMap, without a patch of its own.
    for (const name of agents) {
      const env = r.find<Workload>('Deployment', name).spec.template.spec.containers[0]!.env;
      for (const variable of AGENT_TRACING_ENV) {
        expect([name, env.find((e) => e.name === variable)?.valueFrom?.configMapKeyRef]).toEqual([name, { name: ENVIRONMENT_CONFIG_MAP, key: variable, optional: true }]);
      }
    }
  });

  it('runs every container as a non-root user on a read-only root filesystem, and stops it within the servers\' shutdown deadline', () => {
    const problems: string[] = [];
    for (const w of rendered[overlay].workloads) {
      const pod = w.spec.template.spec;
      const c = pod.containers[0]!;
      expect(c.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      if (pod.terminationGracePeriodSeconds !== TERMINATION_GRACE_SECONDS) problems.push(`${w.metadata.name}: grace period ${pod.terminationGracePeriodSeconds}`);
      expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', String(PRE_STOP_SECONDS)]);
      for (const kind of ['requests', 'limits'] as const) if (!c.resources[kind]?.cpu || !c.resources[kind]?.memory) problems.push(`${w.metadata.name}: no cpu or memory ${kind}`);
    }
    expect(problems).toEqual([]);
    // The pre-stop pause, the servers' own deadline, and time to exit: the kubelet never kills a clean stop.
    expect(TERMINATION_GRACE_SECONDS).toBeGreaterThan(PRE_STOP_SECONDS + SHUTDOWN_DEADLINE_MS / 1000);
    // The numeric user is the image's: the Dockerfile runs as `node`, uid 1000 in node:24-slim.
    expect(read('Dockerfile')).toMatch(/^FROM node:24-slim$/m);
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
  });

  it('references its Secret and never holds one: every key it reads is listed in secrets.env.example', () => {
    const r = rendered[overlay];
    expect(r.ofKind('Secret')).toEqual([]);
    const refs = r.workloads.flatMap((w) => w.spec.template.spec.containers[0]!.env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [])));
    expect(new Set(refs.map((ref) => ref.name))).toEqual(new Set([SECRET]));
    const listed = [...read(`${KUBERNETES_DIR}/secrets.env.example`).matchAll(/^(\w+)=replace-me$/gm)].map((m) => m[1]);
    expect([...new Set(refs.map((ref) => ref.key))].sort()).toEqual([...listed].sort());
    // No literal value of a credential anywhere.
    const literal = r.workloads.flatMap((w) => w.spec.template.spec.containers[0]!.env.filter((e) => /TOKEN|PASSWORD|SECRET|_URL$/.test(e.name) && e.value !== undefined).map((e) => `${w.metadata.name}: ${e.name}`));
    expect(literal).toEqual([]);
  });
});

/** The variables a server must be given on a cluster: the token, and everything whose default is on loopback. */
function mustBeSet(server: ServerName): string[] {
  if (server === 'collector' || server === 'tracker') {
    const sections = server === 'collector' ? ['kafka', 'collector'] : ['kafka', 'postgres', 'tracker'];
    const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    const loopback = sections.flatMap((section) => Object.entries(defaults[section]!).filter(([, v]) => JSON.stringify(v).includes('127.0.0.1')).map(([key]) => `ORDERSCOPE_${section}_${key}`.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()));
    return [...loopback, 'ORDERSCOPE_TOKEN'];
  }
  return [...SERVICE_OPTIONS[server].filter((o) => o.default?.includes('127.0.0.1')).map((o) => o.env), 'ORDERSCOPE_TOKEN'];
}

describe('the dev overlay', () => {
  it('runs one replica of each workload with small requests, and scales nothing', () => {
    for (const w of rendered.dev.workloads) {
      expect([w.metadata.name, w.spec.replicas, w.spec.template.spec.containers[0]!.resources.requests]).toEqual([w.metadata.name, 1, { cpu: '50m', memory: '128Mi' }]);
    }
  });
});

describe('the production overlay', () => {
  const scaled = () => rendered.production.ofKind<ScaledObject>('ScaledObject');
  const targetOf = (so: ScaledObject) => rendered.production.find<Workload>(so.spec.scaleTargetRef.kind, so.spec.scaleTargetRef.name);

  it('scales the trackers on their group\'s lag, never beyond the topic\'s partitions, reading topic, group and brokers from the trackers\' own environment', () => {
    const so = scaled().find((s) => s.metadata.name === 'tracker')!;
    const tracker = targetOf(so);
    expect(tracker.kind).toBe('StatefulSet');
    const env = rendered.production.environment(tracker, tracker.spec.template.spec.containers[0]!);
    const config = configOf(env);
    const [trigger] = so.spec.triggers;
    expect(trigger!.type).toBe('kafka');
    const fromEnv = (key: string) => env[trigger!.metadata[key]!];
    expect({ topic: fromEnv('topicFromEnv'), group: fromEnv('consumerGroupFromEnv'), brokers: fromEnv('bootstrapServersFromEnv') }).toEqual({
      topic: config.kafka.topic,
      group: config.kafka.groupId,
      brokers: config.kafka.brokers.join(','),
    });
    // The collector creates the topic with its partitions: the same count, and no more trackers than that.
    const collector = rendered.production.find<Workload>('Deployment', 'collector');
    const collectorConfig = configOf(rendered.production.environment(collector, collector.spec.template.spec.containers[0]!));
    expect([collectorConfig.kafka.topic, collectorConfig.kafka.partitions]).toEqual([config.kafka.topic, config.kafka.partitions]);
    expect(so.spec.maxReplicaCount).toBe(config.kafka.partitions);
    expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
    expect(trigger!.metadata.lagThreshold).toBe(String(Math.round(MEASURED.trackerEventsPerSecond * 30)));
    expect(trigger!.metadata.offsetResetPolicy).toBe('earliest');
    expect(so.metadata.annotations!['orderscope/thresholds']).toBe(`lagThreshold ${thresholds().trackerLag.value}: ${thresholds().trackerLag.reason}`);
  });

  it('scales the pricing workers on the depth of mes.pricing, the queue they consume, at the RabbitMQ they connect to', () => {
    const so = scaled().find((s) => s.metadata.name === 'mes-worker')!;
    const worker = targetOf(so);
    expect(serverOfWorkload(worker)).toBe('mes-worker');
    const [trigger] = so.spec.triggers;
    expect(trigger).toEqual({
      type: 'rabbitmq',
      metadata: { protocol: 'amqp', hostFromEnv: 'ORDERSCOPE_AMQP_URL', queueName: QUEUES.pricing.name, mode: 'QueueLength', value: String(thresholds().pricingQueue.value) },
    });
    const env = rendered.production.environment(worker, worker.spec.template.spec.containers[0]!);
    expect(env[trigger!.metadata.hostFromEnv!]).toBe('secret:ORDERSCOPE_AMQP_URL');
    expect(SERVICE_OPTIONS['mes-worker'].find((o) => o.key === 'amqpUrl')!.env).toBe(trigger!.metadata.hostFromEnv);
    expect(thresholds().pricingQueue.value).toBe(Math.round(MEASURED.pricingPerSecond * 60));
  });

  it('scales the collectors on CPU and on a request rate whose metric, job and namespace exist', async () => {
    const so = scaled().find((s) => s.metadata.name === 'collector')!;
    const collector = targetOf(so);
    expect(collector.spec.template.spec.containers[0]!.resources.requests.cpu).toBeTruthy();
    const [cpu, prometheus] = so.spec.triggers;
    expect(cpu).toEqual({ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } });
    expect(prometheus!.type).toBe('prometheus');
    const query = prometheus!.metadata.query!;
    const catalogue = serviceMetricCatalogue();
    expect(metricNamesIn(query).filter((n) => !catalogue.seriesNames.has(n))).toEqual([]);
    expect(metricNamesIn(query)).toEqual(['orderscope_collector_http_requests_total']);
    const labels = Object.fromEntries([...query.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(labels).toEqual({ job: rendered.production.find('Service', 'collector').metadata.labels![JOB_LABEL], namespace: collector.metadata.namespace, route: '/v1/events' });
    expect(COLLECTOR_ROUTES).toContain(labels.route);
    expect(prometheus!.metadata.threshold).toBe(String(Math.round(MEASURED.collectorRequestsPerSecond * 0.7)));
  });

  it('starts each workload with two replicas, KEDA\'s minimum where it scales, and lets one pod of each go at a time', () => {
    const r = rendered.production;
    for (const so of scaled()) expect(targetOf(so).spec.replicas).toBe(so.spec.minReplicaCount);
    expect(Object.fromEntries(r.workloads.map((w) => [w.metadata.name, w.spec.replicas]))).toEqual(Object.fromEntries(WORKLOAD_NAMES.map((n) => [n, 2])));
    const budgets = r.ofKind<KubeObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(Object.fromEntries(budgets.map((b) => [b.metadata.name, b.spec.maxUnavailable]))).toEqual(Object.fromEntries(WORKLOAD_NAMES.map((n) => [n, 1])));
    for (const b of budgets) expect(b.spec.selector.matchLabels).toEqual(r.workloads.find((w) => w.metadata.name === b.metadata.name)!.spec.selector.matchLabels);
  });
});

describe('the models', () => {
  it('refuse what the schemas forbid, so that a valid render means something', () => {
    const bad: KubeObject[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ image: 'orderscope' }] } } } },
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { scaleTargetRef: { name: 'x' }, triggers: [{ type: 'kafka', metadata: { lagThreshold: 5 } }] } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' }, spec: { groups: [{ rules: [] }] } },
      { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } },
    ];
    expect(bad.map((o) => (() => validateObject(models, o)) as () => void).map((f) => { try { f(); return 'valid'; } catch (err) { return (err as Error).message.split(':')[0]; } })).toEqual([
      'Deployment x',
      'ScaledObject x',
      'PrometheusRule x',
      'Unknown x',
    ]);
    expect(workloads().map((w) => w.name)).toEqual(WORKLOAD_NAMES);
  });
});

/** The config a container's environment gives; secrets (URLs with passwords, tokens) are references here, not values, so they are left at their defaults. */
function configOf(env: Record<string, string>) {
  return loadConfig({ env: Object.fromEntries(Object.entries(env).filter(([, v]) => !v.startsWith('secret:'))) });
}
