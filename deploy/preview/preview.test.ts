import { parseAllDocuments } from 'yaml';
import { loadModels, validateObject, type KubeObject } from '../kubernetes';
import { BRANCH_LABEL, COMMIT_LABEL, EXPIRES_LABEL, previewNames, previewObjects, renderPreview, renderPreviewDeletion, type PreviewNames } from '.';

/** A fixed instant: a preview's expiry is derived from the time it is rendered, which tests inject. */
const NOW = Date.UTC(2031, 4, 6, 7, 8, 9);
const DAY_MS = 86_400_000;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const render = (branch: string, extra: Partial<Parameters<typeof previewObjects>[0]> = {}) =>
  previewObjects({ names: previewNames(branch), image: 'registry.example/orderscope:abc1234', commit: 'abc1234', ttlMs: 3 * DAY_MS, now: NOW, ...extra });

interface Env {
  name: string;
  value?: string;
}
interface Container {
  name: string;
  image: string;
  args: string[];
  env?: Env[];
}
const podSpecOf = (o: KubeObject) => (o.spec as { template: { spec: { containers: Container[]; initContainers?: Container[] } } }).template.spec;
const containerOf = (objects: KubeObject[], name: string) => podSpecOf(objects.find((o) => o.metadata.name === name && (o.kind === 'Deployment' || o.kind === 'StatefulSet'))!).containers[0]!;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '(from a reference)']));

/** Every name a preview holds on a shared server. */
const sharedNames = (n: PreviewNames) => [n.namespace, n.topic, n.groupId, n.vhost, n.redisKeyPrefix, ...Object.values(n.databases)];

describe('the names of a preview environment', () => {
  it('derives every shared name from the branch, and two branches share none, even when they read alike', () => {
    const a = previewNames('feature/quotes');
    expect(a).toEqual({
      branch: 'feature/quotes',
      namespace: `pv-feature-quotes-${a.namespace.slice(-8)}`,
      topic: `order-events.${a.namespace}`,
      groupId: `orderscope-tracker.${a.namespace}`,
      databases: { tracker: `${a.namespace.replace(/-/g, '_')}_tracker`, shop: `${a.namespace.replace(/-/g, '_')}_shop`, crm: `${a.namespace.replace(/-/g, '_')}_crm`, mes: `${a.namespace.replace(/-/g, '_')}_mes` },
      vhost: a.namespace,
      redisKeyPrefix: `${a.namespace}:`,
      branchLabel: 'feature-quotes',
    });
    expect(a.namespace.slice(-8)).toMatch(/^[0-9a-f]{8}$/);
    for (const other of ['feature-quotes', 'Feature/Quotes', 'feature/quotes2']) {
      const b = previewNames(other);
      expect(sharedNames(b).filter((name) => sharedNames(a).includes(name))).toEqual([]);
    }
    expect(previewNames('feature/quotes')).toEqual(a);
  });

  it('makes a valid namespace, label and database names of a long branch name with slashes, capitals and punctuation', () => {
    const branch = `Users/ANA.Silva/JIRA-1234_Fix_The_Quote_Timeout/${'x'.repeat(40)}`;
    expect(branch.length).toBeGreaterThanOrEqual(80);
    const n = previewNames(branch);
    expect(n.namespace).toMatch(DNS_LABEL);
    expect(n.namespace.length).toBeLessThanOrEqual(63);
    expect(n.namespace.startsWith('pv-users-ana-silva-jira-1234-fix-the-')).toBe(true);
    expect(n.branchLabel).toMatch(LABEL_VALUE);
    expect(n.branchLabel.length).toBeLessThanOrEqual(63);
    for (const db of Object.values(n.databases)) {
      expect(db).toMatch(/^[a-z0-9_]+$/);
      expect(Buffer.byteLength(db)).toBeLessThanOrEqual(63);
    }
  });

  it('keeps a branch of punctuation only, and refuses an empty one', () => {
    expect(previewNames('///').namespace).toMatch(/^pv-[0-9a-f]{8}$/);
    expect(() => previewNames(' ')).toThrow('the branch name is empty: pass the name of the git branch to preview, e.g. --branch feature/quotes');
  });
});

describe('the objects of a preview environment', () => {
  it('puts every object in the namespace of the branch, labelled with branch, commit and expiry, each valid for its schema', async () => {
    const objects = await render('feature/quotes');
    const n = previewNames('feature/quotes');
    const m = await loadModels();
    for (const o of objects) {
      validateObject(m, o);
      expect([o.kind, o.metadata.namespace ?? n.namespace]).toEqual([o.kind, n.namespace]);
      expect(o.metadata.labels).toMatchObject({ 'orderscope/preview': 'true', [BRANCH_LABEL]: 'feature-quotes', [COMMIT_LABEL]: 'abc1234', [EXPIRES_LABEL]: String((NOW + 3 * DAY_MS) / 1000) });
    }
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'Namespace/' + n.namespace,
        'ConfigMap/orderscope-environment',
        'NetworkPolicy/collector-ingest',
        ...['collector', 'shop', 'crm', 'mes-api', 'mes-worker'].flatMap((w) => [`Deployment/${w}`, `Service/${w}`]),
        'StatefulSet/tracker',
        'Service/tracker',
      ].sort(),
    );
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.annotations).toEqual({ [BRANCH_LABEL]: 'feature/quotes', 'orderscope/expires-at': '2031-05-09T07:08:09.000Z' });
  });

  it('never pages on-call: no alert rules, dashboards, scrape targets or autoscalers', async () => {
    const kinds = new Set((await render('feature/quotes')).map((o) => o.kind));
    for (const kind of ['PrometheusRule', 'ServiceMonitor', 'ScaledObject', 'PodDisruptionBudget']) expect(kinds.has(kind)).toBe(false);
  });

  it("gives each service the preview's database, vhost, topic and group, composed from the shared servers' URLs", async () => {
    const objects = await render('feature/quotes');
    const n = previewNames('feature/quotes');
    expect(envOf(containerOf(objects, 'tracker'))).toMatchObject({
      PREVIEW_POSTGRES_SERVER: '(from a reference)',
      ORDERSCOPE_POSTGRES_URL: `$(PREVIEW_POSTGRES_SERVER)/${n.databases.tracker}`,
      ORDERSCOPE_KAFKA_TOPIC: n.topic,
      ORDERSCOPE_KAFKA_GROUP_ID: n.groupId,
    });
    expect(envOf(containerOf(objects, 'tracker'))).not.toHaveProperty('ORDERSCOPE_POSTGRES_READ_URL');
    expect(envOf(containerOf(objects, 'collector'))).toMatchObject({ ORDERSCOPE_KAFKA_TOPIC: n.topic });
    expect(envOf(containerOf(objects, 'shop'))).toMatchObject({ ORDERSCOPE_SHOP_DATABASE_URL: `$(PREVIEW_POSTGRES_SERVER)/${n.databases.shop}`, ORDERSCOPE_AMQP_URL: `$(PREVIEW_AMQP_SERVER)/${n.vhost}` });
    expect(envOf(containerOf(objects, 'crm'))).toMatchObject({ ORDERSCOPE_CRM_DATABASE_URL: `$(PREVIEW_POSTGRES_SERVER)/${n.databases.crm}` });
    expect(envOf(containerOf(objects, 'mes-worker'))).toMatchObject({ ORDERSCOPE_MES_DATABASE_URL: `$(PREVIEW_POSTGRES_SERVER)/${n.databases.mes}` });
    expect(envOf(containerOf(objects, 'mes-api'))).not.toHaveProperty('ORDERSCOPE_MES_READ_DATABASE_URL');
    // Kubernetes expands $(NAME) only from variables defined before it in the same container.
    for (const name of ['tracker', 'shop', 'crm', 'mes-api', 'mes-worker']) {
      const env = containerOf(objects, name).env!;
      for (const [i, e] of env.entries()) {
        for (const [, ref] of (e.value ?? '').matchAll(/\$\(([A-Z_]+)\)/g)) expect([name, e.name, env.findIndex((d) => d.name === ref) < i]).toEqual([name, e.name, true]);
      }
    }
    const environment = objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    expect(environment.ORDERSCOPE_REDIS_URL).toBe(`redis://redis:6379?keyPrefix=${encodeURIComponent(n.redisKeyPrefix)}`);
  });

  it("runs the branch's image, with small requests, and provisions each pod's database and vhost before it starts", async () => {
    const objects = await render('feature/quotes');
    const n = previewNames('feature/quotes');
    const provisionArgs = (name: string) => podSpecOf(objects.find((o) => o.metadata.name === name && o.kind !== 'Service')!).initContainers?.[0]?.args;
    expect(provisionArgs('collector')).toBeUndefined();
    expect(provisionArgs('tracker')).toEqual(['deploy', 'provision', '--database', n.databases.tracker]);
    expect(provisionArgs('shop')).toEqual(['deploy', 'provision', '--database', n.databases.shop, '--vhost', n.vhost]);
    expect(provisionArgs('mes-worker')).toEqual(['deploy', 'provision', '--database', n.databases.mes, '--vhost', n.vhost]);
    for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
      const spec = podSpecOf(o);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) expect([o.metadata.name, c.image]).toEqual([o.metadata.name, 'registry.example/orderscope:abc1234']);
      expect((spec.containers[0] as unknown as { resources: { requests: unknown } }).resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
    }
  });

  it('serves the tracker through an Ingress at the namespace under a domain, when given one, and takes the cluster\'s endpoints', async () => {
    const n = previewNames('feature/quotes');
    const objects = await render('feature/quotes', { domain: 'preview.acme.dev', environment: { ORDERSCOPE_KAFKA_BROKERS: 'kafka.infra:9092' } });
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect((ingress.spec as { rules: { host: string }[] }).rules[0]!.host).toBe(`${n.namespace}.preview.acme.dev`);
    expect((objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>).ORDERSCOPE_KAFKA_BROKERS).toBe('kafka.infra:9092');
  });

  it('renders two branches that share no name, topic, group, database or vhost', async () => {
    const text = (branch: string) => renderPreview({ names: previewNames(branch), image: 'registry.example/orderscope:1', ttlMs: DAY_MS, now: NOW });
    const [a, b] = await Promise.all([text('feature/quotes'), text('fix/pricing-timeout')]);
    for (const name of sharedNames(previewNames('feature/quotes'))) expect([name, b.includes(name)]).toEqual([name, false]);
    for (const name of sharedNames(previewNames('fix/pricing-timeout'))) expect([name, a.includes(name)]).toEqual([name, false]);
    expect(parseAllDocuments(a).length).toBe(15);
  });
});

describe('removing a preview environment', () => {
  it('lists exactly what goes, and runs a Job that drops the databases, vhost, topic and group', async () => {
    const n = previewNames('feature/quotes');
    const text = await renderPreviewDeletion(n, 'registry.example/orderscope:abc1234');
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    expect(comments).toEqual([
      '# What removes the preview environment of branch feature/quotes, generated by `orderscope deploy preview --delete`:',
      `# 1. its workloads: kubectl -n ${n.namespace} scale deployment,statefulset --all --replicas=0 (a consumer group with members cannot be deleted)`,
      `# 2. this Job (kubectl apply -f, then kubectl -n ${n.namespace} wait --for=condition=complete job/preview-cleanup), which drops:`,
      `#    - the PostgreSQL databases ${Object.values(n.databases).join(', ')}`,
      `#    - the RabbitMQ vhost ${n.vhost}, with its queues`,
      `#    - the Kafka topic ${n.topic} and the consumer group ${n.groupId}`,
      `# 3. the namespace, with every object in it: kubectl delete namespace ${n.namespace}`,
    ]);
    const [job] = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
    validateObject(await loadModels(), job!);
    expect(podSpecOf(job!).containers[0]!.args).toEqual([
      'deploy',
      'unprovision',
      ...Object.values(n.databases).flatMap((d) => ['--database', d]),
      '--vhost',
      n.vhost,
      '--topic',
      n.topic,
      '--group',
      n.groupId,
    ]);
  });
});
