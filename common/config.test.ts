import { writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, envName, hashToken, kafkaClientFor } from './config';
import { ConfigError } from './errors';

describe('configuration', () => {
  it('has defaults that bind every server to loopback', () => {
    const config = loadConfig({ env: {} });
    expect(config.collector.host).toBe('127.0.0.1');
    expect(config.tracker.host).toBe('127.0.0.1');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.tokens).toEqual([]);
  });

  it('publishes on platformatic and consumes on kafkajs unless kafka.client names one client for both', () => {
    const unset = loadConfig({ env: {} }).kafka;
    expect([kafkaClientFor(unset, 'publisher'), kafkaClientFor(unset, 'consumer')]).toEqual(['platformatic', 'kafkajs']);
    const kafkajs = loadConfig({ env: { ORDERSCOPE_KAFKA_CLIENT: 'kafkajs' } }).kafka;
    expect([kafkaClientFor(kafkajs, 'publisher'), kafkaClientFor(kafkajs, 'consumer')]).toEqual(['kafkajs', 'kafkajs']);
    const platformatic = loadConfig({ env: { ORDERSCOPE_KAFKA_CLIENT: 'platformatic' } }).kafka;
    expect([kafkaClientFor(platformatic, 'publisher'), kafkaClientFor(platformatic, 'consumer')]).toEqual(['platformatic', 'platformatic']);
    expect(() => loadConfig({ env: { ORDERSCOPE_KAFKA_CLIENT: 'librdkafka' } })).toThrow(/ORDERSCOPE_KAFKA_CLIENT/);
  });

  it('names environment variables after the key path', () => {
    expect(envName(['kafka', 'groupId'])).toBe('ORDERSCOPE_KAFKA_GROUP_ID');
    expect(envName(['collector', 'maxBytes'])).toBe('ORDERSCOPE_COLLECTOR_MAX_BYTES');
  });

  it('lets the environment override the file, converting types', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-config-'));
    const file = path.join(dir, 'orderscope.yaml');
    writeFileSync(file, 'collector:\n  port: 9000\n  maxEvents: 10\nkafka:\n  topic: from-file\n');
    const config = loadConfig({ file, env: { ORDERSCOPE_COLLECTOR_PORT: '9100', ORDERSCOPE_KAFKA_BROKERS: 'a:1, b:2' } });
    expect(config.collector.port).toBe(9100);
    expect(config.collector.maxEvents).toBe(10);
    expect(config.kafka.topic).toBe('from-file');
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
  });

  it('heartbeats every 15 s by default; the environment sets another interval or 0 (off), never a negative one', () => {
    expect(loadConfig({ env: {} }).collector.heartbeatIntervalMs).toBe(15_000);
    expect(loadConfig({ env: { ORDERSCOPE_COLLECTOR_HEARTBEAT_INTERVAL_MS: '0' } }).collector.heartbeatIntervalMs).toBe(0);
    expect(() => loadConfig({ env: { ORDERSCOPE_COLLECTOR_HEARTBEAT_INTERVAL_MS: '-1' } })).toThrow('ORDERSCOPE_COLLECTOR_HEARTBEAT_INTERVAL_MS');
  });

  it('names the tracker instance after the host by default, and takes a stable name from the environment', () => {
    expect(loadConfig({ env: {} }).tracker.instance).toBe(hostname());
    const config = loadConfig({ env: { ORDERSCOPE_TRACKER_INSTANCE: 'tracker-0.orderscope' } });
    expect(config.tracker.instance).toBe('tracker-0.orderscope');
    expect([config.tracker.instanceLeaseTtlMs, config.tracker.instanceLeaseRenewMs]).toEqual([15_000, 5000]);
  });

  it('refuses a tracker instance name that is empty, too long or not a plain name, and a lease renewed too rarely', () => {
    for (const name of ['', 'a b', '-x', 'a/b', 'x'.repeat(129)]) {
      expect(() => loadConfig({ env: { ORDERSCOPE_TRACKER_INSTANCE: name } })).toThrow('ORDERSCOPE_TRACKER_INSTANCE: must be 1-128 letters');
    }
    expect(() => loadConfig({ env: {}, overrides: { tracker: { instanceLeaseTtlMs: 6000, instanceLeaseRenewMs: 5000 } } })).toThrow(
      'tracker.instanceLeaseRenewMs: must be at most half of tracker.instanceLeaseTtlMs',
    );
  });

  it('reads the lag monitor\'s interval and window from the environment, and refuses a window shorter than two intervals', () => {
    expect([loadConfig({ env: {} }).kafka.lagIntervalMs, loadConfig({ env: {} }).kafka.lagWindowMs]).toEqual([10_000, 120_000]);
    const config = loadConfig({ env: { ORDERSCOPE_KAFKA_LAG_INTERVAL_MS: '5000', ORDERSCOPE_KAFKA_LAG_WINDOW_MS: '60000' } });
    expect([config.kafka.lagIntervalMs, config.kafka.lagWindowMs]).toEqual([5000, 60_000]);
    expect(() => loadConfig({ env: { ORDERSCOPE_KAFKA_LAG_INTERVAL_MS: '5000', ORDERSCOPE_KAFKA_LAG_WINDOW_MS: '9000' } })).toThrow(
      'ORDERSCOPE_KAFKA_LAG_WINDOW_MS: must be at least twice kafka.lagIntervalMs',
    );
  });

  it('gives HTTP clients 10 s for a request\'s headers and 30 s for all of it, unless the environment says otherwise', () => {
    expect(loadConfig({ env: {} }).http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    const config = loadConfig({ env: { ORDERSCOPE_HTTP_HEADERS_TIMEOUT_MS: '2000', ORDERSCOPE_HTTP_REQUEST_TIMEOUT_MS: '5000' } });
    expect(config.http).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    expect(() => loadConfig({ env: { ORDERSCOPE_HTTP_HEADERS_TIMEOUT_MS: '40000' } })).toThrow(
      'ORDERSCOPE_HTTP_HEADERS_TIMEOUT_MS: must be at most http.requestTimeoutMs: the headers are part of the request',
    );
  });

  it('links no traces by default, and needs the URL of a trace backend it is given', () => {
    expect(loadConfig({ env: {} }).tracker).toMatchObject({ traceBackend: 'none', traceBackendUrl: '' });
    expect(loadConfig({ env: { ORDERSCOPE_TRACKER_TRACE_BACKEND: 'zipkin', ORDERSCOPE_TRACKER_TRACE_BACKEND_URL: 'http://127.0.0.1:9411' } }).tracker).toMatchObject({ traceBackend: 'zipkin', traceBackendUrl: 'http://127.0.0.1:9411' });
    expect(() => loadConfig({ env: { ORDERSCOPE_TRACKER_TRACE_BACKEND: 'tempo' } })).toThrow('must be set when tracker.traceBackend is not none');
    expect(() => loadConfig({ env: { ORDERSCOPE_TRACKER_TRACE_BACKEND: 'honeycomb', ORDERSCOPE_TRACKER_TRACE_BACKEND_URL: 'http://x' } })).toThrow('ORDERSCOPE_TRACKER_TRACE_BACKEND');
  });

  it('fails fast naming the variable and what is wrong', () => {
    expect(() => loadConfig({ env: { ORDERSCOPE_COLLECTOR_PORT: 'abc' } })).toThrow(new ConfigError('ORDERSCOPE_COLLECTOR_PORT: "abc" is not a number'));
    expect(() => loadConfig({ env: { ORDERSCOPE_COLLECTOR_PORT: '70000' } })).toThrow(
      new ConfigError('invalid configuration: ORDERSCOPE_COLLECTOR_PORT: Too big: expected number to be <=65535'),
    );
  });

  it('names the key of a bad value in the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-config-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'collector:\n  prot: 1\ntokens:\n  - { name: shop, sha256: nothex }\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(
      `invalid configuration (${file}):\n` +
        '  collector.prot: not a setting (collector has: host, port, maxEvents, maxBytes, rateLimitEventsPerSecond, rateLimitBurst, publishTimeoutMs, heartbeatIntervalMs)\n' +
        '  tokens.0.sha256: must be the 64-hex-digit SHA-256 of the token (orderscope token hash)',
    );
  });

  it('says in one line which key of the file is unknown, and which are known there', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-config-'));
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(file, 'trackr:\n  port: 1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(
      new ConfigError(`invalid configuration (${file}): trackr: not a section of the configuration (the sections: log, model, kafka, postgres, collector, tracker, http, reconcile, embedded, tokens)`),
    );
  });

  it('says what is wrong with a config file that cannot be used, naming it and where its path came from', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-config-'));
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const fails = (options: Parameters<typeof loadConfig>[0]) => {
      try {
        loadConfig(options);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('the config loaded');
    };
    const missing = path.join(dir, 'missing.yaml');
    expect(fails({ file: missing, env: {} })).toBe(`cannot read the config file ${missing}: there is no such file; check the path given by --config`);
    expect(fails({ env: { ORDERSCOPE_CONFIG: missing } })).toBe(`cannot read the config file ${missing}: there is no such file; check the path given by ORDERSCOPE_CONFIG`);
    expect(fails({ file: dir, env: {} })).toBe(`cannot read the config file ${dir}: it is a directory; give --config the path of a YAML file`);
    const broken = file('broken.yaml', 'collector:\n  port: [7400\n');
    expect(fails({ file: broken, env: {} })).toBe(
      `the config file ${broken} is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1; correct it there`,
    );
    const list = file('list.yaml', '- collector\n');
    expect(fails({ file: list, env: {} })).toBe(`the config file ${list} holds a list; it must be a YAML mapping of sections (log, model, kafka, postgres, collector, tracker, http, reconcile, embedded, tokens)`);
    expect(loadConfig({ file: file('empty.yaml', ''), env: {} }).collector.port).toBe(7400);
  });

  it('refuses a database URL that is not one, without repeating it (it may hold a password)', () => {
    const message = 'invalid configuration: ORDERSCOPE_POSTGRES_URL: must be a PostgreSQL URL like postgres://user:password@host:5432/database';
    expect(() => loadConfig({ env: { ORDERSCOPE_POSTGRES_URL: 'localhost:5432 s3cret' } })).toThrow(new ConfigError(message));
    expect(() => loadConfig({ env: { ORDERSCOPE_POSTGRES_READ_URL: 'replica' } })).toThrow('ORDERSCOPE_POSTGRES_READ_URL: must be a PostgreSQL URL');
    for (const url of ['postgresql://u:p@db:5432/orderscope', 'socket:///var/run/postgresql?db=orderscope', '/var/run/postgresql orderscope']) {
      expect(loadConfig({ env: { ORDERSCOPE_POSTGRES_URL: url } }).postgres.url).toBe(url);
    }
  });

  it('turns ORDERSCOPE_TOKEN into a hashed token with every right, never keeping it in clear', () => {
    const config = loadConfig({ env: { ORDERSCOPE_TOKEN: 's3cret' } });
    expect(config.tokens).toEqual([{ name: 'ORDERSCOPE_TOKEN', sha256: hashToken('s3cret'), sources: ['*'], scopes: ['ingest', 'read', 'admin'] }]);
    expect(JSON.stringify(config)).not.toContain('s3cret');
  });
});
