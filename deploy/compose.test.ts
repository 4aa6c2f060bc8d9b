import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { PROBE_PATHS, PROJECT_ROOT } from '../common';
import { listenerOf as serverListener, nodeOptionsOf, serverOf } from './servers';

/*
 * docker-compose.yml cannot be run here (no Docker engine on these machines), so it is checked for
 * what would break it: the Compose Specification's JSON schema, mounts of files that do not exist,
 * services without an image, and ports that disagree with what the services listen on.
 */

const root = PROJECT_ROOT;
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  hostname?: string;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** Compose resolves YAML anchors and merge keys (`<<: *x`) before it reads the file: so does this test. */
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const orderscope = services.filter(([, s]) => s.image === 'orderscope:local');

/**
 * The Compose Specification's schema (compose-spec.json of github.com/compose-spec/compose-spec), as
 * the dclint package ships it (schemas/compose.schema.json, refreshed from upstream by its
 * maintainers). It declares draft-07 under its https URL, which Ajv knows by the http one.
 */
function composeSpecValidator() {
  const file = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { $schema: string; title: string };
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  return { title: schema.title, validate: ajv.compile(schema) };
}

/** The port a service of our image listens on, and the variable naming its host, from the same config the process reads. */
function listenerOf(service: ComposeService): { port: number; hostEnv: string } | undefined {
  const server = serverOf(service.command ?? []);
  return server && serverListener(server, service.environment);
}

/** Where each compose service (by name and host name) listens: ours from their config, the others from their images' defaults and our configs of them. */
function listeningPorts(): Map<string, Set<number>> {
  const tempo = parse(read('deploy/tempo/tempo.yml')) as { server: { http_listen_port: number }; distributor: { receivers: { otlp: { protocols: { http: { endpoint: string } } } } } };
  const known: Record<string, number[]> = {
    postgres: [5432],
    'postgres-replica': [5432],
    rabbitmq: [5672, 15672, 15692],
    redis: [6379],
    kafka: [9092],
    prometheus: [9090],
    alertmanager: [9093],
    grafana: [3000],
    loki: [3100],
    tempo: [tempo.server.http_listen_port, Number(tempo.distributor.receivers.otlp.protocols.http.endpoint.split(':').pop())],
  };
  const ports = new Map<string, Set<number>>();
  for (const [name, service] of services) {
    const listening = new Set(known[name] ?? []);
    const ours = listenerOf(service);
    if (ours) listening.add(ours.port);
    ports.set(name, listening);
    if (service.hostname) ports.set(service.hostname, listening);
  }
  return ports;
}

/** host:port of every http(s)/postgres/amqp/redis URL in a text. */
function urlTargets(text: string): { host: string; port: number; url: string }[] {
  const defaults: Record<string, number> = { 'http:': 80, 'postgres:': 5432, 'amqp:': 5672, 'redis:': 6379 };
  // Interpolations (`${PASSWORD:?message}`) stand for a value: replaced first, they keep URLs whole.
  const interpolated = text.replace(/\$\{[^}]+\}/g, 'x');
  return [...interpolated.matchAll(/\b(?:https?|postgres|amqp|redis):\/\/[^\s'"]+/g)].map(([url]) => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || defaults[u.protocol]), url };
  });
}

describe('docker-compose.yml', () => {
  it('is valid by the Compose Specification\'s JSON schema', () => {
    const { title, validate } = composeSpecValidator();
    expect(title).toBe('Compose Specification');
    expect(validate(compose) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
    // The validator does reject what the specification forbids.
    expect(validate({ services: { shop: { image: 'x', portz: ['1:1'] } } })).toBe(false);
  });

  it('gives every service an image or a build, and builds orderscope\'s image from the repository\'s Dockerfile', () => {
    expect(services.filter(([, s]) => !s.image && !s.build).map(([name]) => name)).toEqual([]);
    expect(orderscope.map(([name]) => name).sort()).toEqual(['collector', 'crm', 'driver', 'mes-api', 'mes-worker', 'shop', 'tracker-1', 'tracker-2']);
    for (const [, service] of orderscope) expect(service.build).toEqual({ context: '.' });
    expect(read('Dockerfile')).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/main.js"\]$/m);
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
  });

  it('mounts only files of the repository (and the Docker socket, read-only, for the log shipper), and declares its named volumes', () => {
    const problems: string[] = [];
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string];
        if (source.startsWith('./')) {
          if (!existsSync(path.join(root, source))) problems.push(`${name}: ${source} does not exist`);
        } else if (source.startsWith('/')) {
          if (!(name === 'alloy' && volume === '/var/run/docker.sock:/var/run/docker.sock:ro')) problems.push(`${name}: mounts the host path ${source}`);
        } else if (!(source in compose.volumes)) {
          problems.push(`${name}: volume ${source} is not declared`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs three pricing workers, two collectors and two trackers, and provisions Grafana with every generated dashboard', () => {
    expect(compose.services['mes-worker']!.deploy).toEqual({ replicas: 3 });
    expect(compose.services.collector!.deploy).toEqual({ replicas: 2 });
    expect(compose.services['tracker-1']!.environment!.ORDERSCOPE_TRACKER_INSTANCE).not.toBe(compose.services['tracker-2']!.environment!.ORDERSCOPE_TRACKER_INSTANCE);
    expect(compose.services.grafana!.volumes).toContain('./dashboards/generated:/var/lib/grafana/dashboards:ro');
    expect(compose.services.prometheus!.volumes).toContain('./alerts/generated/orderscope.rules.yml:/etc/prometheus/rules/orderscope.rules.yml:ro');
    expect(compose.services.alertmanager!.volumes).toContain('./alerts/generated/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro');
  });

  it('runs each orderscope server with the Node.js options its deployments share (the tracker\'s heap bound)', () => {
    const options = orderscope.map(([name, service]) => {
      const server = serverOf(service.command ?? []);
      return [name, service.environment?.NODE_OPTIONS, server && nodeOptionsOf(server)];
    });
    expect(options.filter(([, actual, wanted]) => actual !== wanted)).toEqual([]);
    expect(options.filter(([, actual]) => actual !== undefined).map(([name]) => name)).toEqual(['tracker-1', 'tracker-2']);
  });

  it('tells each orderscope server to bind 0.0.0.0, and publishes and health-checks the ports they listen on', () => {
    const problems: string[] = [];
    for (const [name, service] of orderscope) {
      const listener = listenerOf(service);
      if (!listener) continue; // the driver serves nothing
      if (service.environment?.[listener.hostEnv] !== '0.0.0.0') problems.push(`${name}: ${listener.hostEnv} is not 0.0.0.0`);
      for (const mapping of service.ports ?? []) {
        if (Number(mapping.split(':').pop()) !== listener.port) problems.push(`${name}: publishes ${mapping}, listens on ${listener.port}`);
      }
      const probe = service.healthcheck?.test.join(' ') ?? '';
      if (!probe.includes(`http://127.0.0.1:${listener.port}${PROBE_PATHS.ready}`)) problems.push(`${name}: health check "${probe}" does not probe port ${listener.port}`);
    }
    // Published ports are for this machine only.
    for (const [name, service] of services) for (const mapping of service.ports ?? []) if (!mapping.startsWith('127.0.0.1:')) problems.push(`${name}: ${mapping} is published on every interface`);
    expect(problems).toEqual([]);
  });

  it('points every URL in the stack (environment, Prometheus, Grafana, Alloy) at a service and a port it listens on', () => {
    const ports = listeningPorts();
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets: { where: string; host: string; port: number }[] = [];
    for (const job of prometheus.scrape_configs) {
      for (const t of job.static_configs?.flatMap((c) => c.targets) ?? []) targets.push({ where: `prometheus job ${job.job_name}`, host: t.split(':')[0]!, port: Number(t.split(':')[1]) });
      for (const c of job.dns_sd_configs ?? []) for (const host of c.names) targets.push({ where: `prometheus job ${job.job_name}`, host, port: c.port });
    }
    for (const t of prometheus.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets))) targets.push({ where: 'prometheus alerting', host: t.split(':')[0]!, port: Number(t.split(':')[1]) });
    for (const [name, service] of services) {
      for (const value of Object.values(service.environment ?? {})) for (const t of urlTargets(String(value))) targets.push({ where: `${name} environment (${t.url})`, ...t });
    }
    for (const file of ['deploy/grafana/provisioning/datasources/datasources.yml', 'deploy/alloy/config.alloy']) for (const t of urlTargets(read(file))) targets.push({ where: `${file} (${t.url})`, ...t });

    expect(targets.length).toBeGreaterThan(25);
    const wrong = targets.filter((t) => t.host !== 'localhost' && !ports.get(t.host)?.has(t.port)).map((t) => `${t.where}: nothing listens on ${t.host}:${t.port}`);
    expect(wrong).toEqual([]);
    // The jobs the generated rules and dashboards query are the ones Prometheus scrapes.
    expect(prometheus.scrape_configs.map((j) => j.job_name)).toEqual(expect.arrayContaining(['orderscope-tracker', 'orderscope-collector']));
    expect(read('alerts/generated/orderscope.rules.yml')).toContain('job=~"orderscope-tracker"');
  });

  it('uses only databases the init script creates', () => {
    const created = [...read('deploy/postgres/init-databases.sh').matchAll(/CREATE DATABASE (\w+);/g)].map((m) => m[1]);
    const used = new Set(services.flatMap(([, s]) => Object.values(s.environment ?? {}).flatMap((v) => [...String(v).matchAll(/postgres:\/\/[^/\s]+\/(\w+)/g)].map((m) => m[1]))));
    expect([...used].sort()).toEqual([...created].sort());
  });

  it('keeps secrets out of the repository: they come from .env, each one listed in deploy/env.example', () => {
    const text = read('docker-compose.yml');
    const variables = new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    const documented = new Set([...read('deploy/env.example').matchAll(/^(\w+)=replace-me/gm)].map((m) => m[1]));
    expect([...variables].sort()).toEqual([...documented].sort());
    const literalSecrets = services.flatMap(([name, s]) =>
      Object.entries(s.environment ?? {})
        .filter(([key, value]) => /PASSWORD|PASS$|TOKEN|SECRET/.test(key) && !/^\$\{\w+(:\?[^}]*)?\}$/.test(String(value)))
        .map(([key]) => `${name}: ${key}`),
    );
    expect(literalSecrets).toEqual([]);
  });
});
