import path from 'node:path';
import { ConfigError } from '../../../common';
import { AGENT_ENV_NAMES, agentOptionsFromEnv, parseAgentOptions, type AgentOptions } from '../agent-options';

describe('agent options', () => {
  const required = { service: 'shop', collectorUrl: 'http://127.0.0.1:7400', token: 't0ken' };

  it('fill in defaults: source from the service, a spool per source under .orderscope, tracing to a local OTLP endpoint', () => {
    const options = parseAgentOptions(required);
    expect(options).toMatchObject({
      source: 'shop',
      spoolDir: path.resolve('.orderscope/spool/shop'),
      spoolMaxBytes: 256 * 1_048_576,
      batchSize: 500,
      lingerMs: 200,
      tracing: { export: true, ignorePaths: ['/metrics', '/healthz', '/readyz'] },
    });
    expect(options.tracing.endpoint).toBe(process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? 'http://127.0.0.1:4318/v1/traces');
  });

  it('name every wrong key and what is wrong with it', () => {
    expect(() => parseAgentOptions({ service: 'shop', collectorUrl: 'collector:7400', token: '', batchSize: 5000 })).toThrow(
      'invalid orderscope agent options:\n  collectorUrl: must be an http(s) URL, e.g. http://127.0.0.1:7400\n  token: must not be empty (an ingest token of the collector)\n  batchSize: must be at most 1000 (what the collector takes per request by default)',
    );
  });

  it('ask for an explicit source when the service name is not one', () => {
    expect(() => parseAgentOptions({ ...required, service: 'Shop Web' })).toThrow(ConfigError);
    expect(() => parseAgentOptions({ ...required, service: 'Shop Web' })).toThrow('source: the service name "Shop Web" is no valid source');
    expect(parseAgentOptions({ ...required, service: 'Shop Web', source: 'shop' }).source).toBe('shop');
  });

  it('come from environment variables for the preload, and errors name the variable to set', () => {
    const env = { OTEL_SERVICE_NAME: 'crm', ORDERSCOPE_COLLECTOR_URL: 'http://collector:7400', ORDERSCOPE_TOKEN: 'x', OTEL_TRACES_EXPORTER: 'none', ORDERSCOPE_AGENT_SPOOL_MAX_BYTES: '1000' };
    expect(parseAgentOptions(agentOptionsFromEnv(env), AGENT_ENV_NAMES)).toMatchObject({ service: 'crm', source: 'crm', spoolMaxBytes: 1000, tracing: { export: false } });
    expect(() => parseAgentOptions(agentOptionsFromEnv({ OTEL_SERVICE_NAME: 'crm', ORDERSCOPE_TOKEN: 'x' }), AGENT_ENV_NAMES)).toThrow('ORDERSCOPE_COLLECTOR_URL: must be an http(s) URL');
  });

  it('leave the spans of BEGIN and COMMIT out unless asked, in code or by ORDERSCOPE_AGENT_TRANSACTION_SPANS', () => {
    expect(parseAgentOptions(required).tracing.transactionSpans).toBe(false);
    expect(parseAgentOptions({ ...required, tracing: { transactionSpans: true } }).tracing.transactionSpans).toBe(true);
    const env = { OTEL_SERVICE_NAME: 'crm', ORDERSCOPE_COLLECTOR_URL: 'http://collector:7400', ORDERSCOPE_TOKEN: 'x' };
    const fromEnv = (value: string) => parseAgentOptions(agentOptionsFromEnv({ ...env, ORDERSCOPE_AGENT_TRANSACTION_SPANS: value }), AGENT_ENV_NAMES).tracing.transactionSpans;
    expect(fromEnv('true')).toBe(true);
    expect(fromEnv(' false ')).toBe(false);
    expect(fromEnv('')).toBe(false);
    expect(() => fromEnv('yes')).toThrow('invalid orderscope agent options:\n  ORDERSCOPE_AGENT_TRANSACTION_SPANS: must be true or false');
  });

  it('refuse an exporter OTEL_TRACES_EXPORTER names that they do not know, instead of sending spans elsewhere', () => {
    const before = process.env.OTEL_TRACES_EXPORTER;
    try {
      process.env.OTEL_TRACES_EXPORTER = 'zipkn';
      expect(() => parseAgentOptions(required, AGENT_ENV_NAMES)).toThrow('OTEL_TRACES_EXPORTER: must be otlp or zipkin (or OTEL_TRACES_EXPORTER=none, which turns span export off)');
      process.env.OTEL_TRACES_EXPORTER = ' zipkin ';
      expect(parseAgentOptions(required).tracing.exporter).toBe('zipkin');
      process.env.OTEL_TRACES_EXPORTER = 'none';
      expect(parseAgentOptions(required).tracing.exporter).toBe('otlp');
    } finally {
      if (before === undefined) delete process.env.OTEL_TRACES_EXPORTER;
      else process.env.OTEL_TRACES_EXPORTER = before;
    }
  });

  it("encode spans as OpenTelemetry's variables ask, protobuf by default, and refuse grpc by name", () => {
    const names = ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;
    const before = names.map((n) => process.env[n]);
    try {
      for (const n of names) delete process.env[n];
      expect(parseAgentOptions(required).tracing.protocol).toBe('http/protobuf');
      process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
      expect(parseAgentOptions(required).tracing.protocol).toBe('http/json');
      // The traces' own variable wins over the one for every signal.
      process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = ' http/protobuf ';
      expect(parseAgentOptions(required).tracing.protocol).toBe('http/protobuf');
      process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = 'grpc';
      expect(() => parseAgentOptions(required, AGENT_ENV_NAMES)).toThrow(
        'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (or OTEL_EXPORTER_OTLP_PROTOCOL): must be http/protobuf or http/json (the agent does not export over grpc)',
      );
      expect(parseAgentOptions({ ...required, tracing: { protocol: 'http/json' } }).tracing.protocol).toBe('http/json');
    } finally {
      names.forEach((n, i) => {
        if (before[i] === undefined) delete process.env[n];
        else process.env[n] = before[i];
      });
    }
  });
  it("run the instrumentations OpenTelemetry's variables enable and do not disable, all by default, and refuse one they do not have by name", () => {
    const names = ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS'] as const;
    const before = names.map((n) => process.env[n]);
    const instrumentations = (options: AgentOptions = required) => parseAgentOptions(options, AGENT_ENV_NAMES).tracing.instrumentations;
    try {
      for (const n of names) delete process.env[n];
      expect(instrumentations()).toEqual(['http', 'pg', 'amqplib', 'kafkajs']);
      process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = ' ';
      expect(instrumentations()).toEqual(['http', 'pg', 'amqplib', 'kafkajs']);
      // Disabling one the agent does not have (fs, a common setting for OpenTelemetry's own agent) leaves it off.
      process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS = 'pg, fs';
      expect(instrumentations()).toEqual(['http', 'amqplib', 'kafkajs']);
      // Enabled applies first, then disabled: a name in both is off.
      process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'amqplib,pg,,http';
      expect(instrumentations()).toEqual(['amqplib', 'http']);
      delete process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS;
      process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'http,postgres';
      expect(() => instrumentations()).toThrow(
        'invalid orderscope agent options:\n  OTEL_NODE_ENABLED_INSTRUMENTATIONS: "postgres" is no instrumentation of the agent; it has http, pg, amqplib, kafkajs',
      );
      // In code, the option wins over the variables, and none at all is allowed (events and metrics only).
      expect(instrumentations({ ...required, tracing: { instrumentations: ['pg'] } })).toEqual(['pg']);
      expect(instrumentations({ ...required, tracing: { instrumentations: [] } })).toEqual([]);
      expect(() => parseAgentOptions({ ...required, tracing: { instrumentations: ['express' as 'http'] } })).toThrow(
        'tracing.instrumentations.0: "express" is no instrumentation of the agent; it has http, pg, amqplib, kafkajs',
      );
    } finally {
      names.forEach((n, i) => {
        if (before[i] === undefined) delete process.env[n];
        else process.env[n] = before[i];
      });
    }
  });
});
