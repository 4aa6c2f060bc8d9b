import { parseDuration, ConfigError } from '../../common';
import { DEFAULT_OPERATORS, parseOperators } from './operators';
import { parseServiceConfig, serviceConfigSchemas, SERVICE_OPTIONS, SERVICES, type ServiceName } from './service-config';

/** What the CLI hands over when only the defaults and a token are given. */
const defaults = (service: ServiceName, extra: Record<string, unknown> = {}) => ({
  ...Object.fromEntries(SERVICE_OPTIONS[service].filter((o) => o.default !== undefined).map((o) => [o.key, o.default])),
  token: 't0k3n',
  instance: 'w1',
  ...extra,
});

describe('the services\' configuration', () => {
  it('declares a flag and an environment variable for every key of each service\'s schema, and nothing else', () => {
    for (const service of SERVICES) {
      const keys = SERVICE_OPTIONS[service].map((o) => o.key);
      expect([service, [...keys].sort()]).toEqual([service, Object.keys(serviceConfigSchemas[service].shape).sort()]);
      expect(new Set(SERVICE_OPTIONS[service].map((o) => o.env)).size).toBe(keys.length);
    }
  });

  it('converts the text of flags and variables: numbers, durations, toggles, operators', () => {
    expect(parseServiceConfig('mes-worker', defaults('mes-worker', { toggles: ['pricingCache=false'] }))).toEqual({
      host: '127.0.0.1',
      port: 7413,
      instance: 'w1',
      collectorUrl: 'http://127.0.0.1:7400',
      token: 't0k3n',
      logLevel: 'info',
      toggles: { pricingCache: false, b2bFirst: true, faultAckThenDieOnPart: '', faultUntrackedPart: '', legacy: false },
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/orderscope_mes',
      redisUrl: 'redis://127.0.0.1:6379',
      concurrency: 2,
      pricingIterations: 200_000,
      maxRetries: 5,
      retryDelayMs: 2000,
      cacheTtlMs: 86_400_000,
    });
    expect(parseServiceConfig('crm', defaults('crm', { operators: 'anna:2:80,ben' })).operators).toEqual([
      { id: 'anna', weight: 2, capacity: 80 },
      { id: 'ben', weight: 1, capacity: 50 },
    ]);
    expect(parseServiceConfig('crm', defaults('crm')).operators).toEqual(DEFAULT_OPERATORS);
  });

  it('names each wrong option by its flag and variable, with what is wrong', () => {
    const attempt = () => parseServiceConfig('mes-worker', defaults('mes-worker', { token: undefined, concurrency: 'two', retryDelayMs: '2 seconds', redisUrl: 'localhost:6379' }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      [
        'invalid options for pipeline mes-worker:',
        '  --token (ORDERSCOPE_TOKEN): is required: an ingest token of the collector (set ORDERSCOPE_TOKEN)',
        '  --redis-url (ORDERSCOPE_REDIS_URL): must be a URL like redis://127.0.0.1:6379',
        '  --concurrency (ORDERSCOPE_MES_WORKER_CONCURRENCY): Invalid input: expected number, received NaN',
        `  --retry-delay (ORDERSCOPE_MES_WORKER_RETRY_DELAY): ${(parseDuration('2 seconds') as { error: string }).error}`,
      ].join('\n'),
    );
    expect(() => parseServiceConfig('shop', defaults('shop', { toggles: ['cache=off'] }))).toThrow(
      '--toggle (ORDERSCOPE_PIPELINE_TOGGLES): toggle "cache" is unknown; the toggles are pricingCache, b2bFirst, faultAckThenDieOnPart, faultUntrackedPart, legacy',
    );
  });
});

describe('operators', () => {
  it('take id[:weight[:capacity]], comma-separated or repeated', () => {
    expect(parseOperators(['anna:2.5:10', 'ben,carla:0'])).toEqual([
      { id: 'anna', weight: 2.5, capacity: 10 },
      { id: 'ben', weight: 1, capacity: 50 },
      { id: 'carla', weight: 0, capacity: 50 },
    ]);
  });

  it('refuse what cannot be an operator, saying what is expected', () => {
    expect(() => parseOperators(['anna:2:10:9'])).toThrow('operator "anna:2:10:9": expected id[:weight[:capacity]], the id made of letters, digits, ".", "_" or "-"');
    expect(() => parseOperators(['anna,anna'])).toThrow('operator "anna" is listed twice');
    expect(() => parseOperators(['anna:-1'])).toThrow('operator "anna": weight "-1" is not a number >= 0');
    expect(() => parseOperators(['anna:1:2.5'])).toThrow('operator "anna": capacity "2.5" is not a whole number >= 0');
  });
});
