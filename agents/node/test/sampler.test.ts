import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOnSampler, SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base';
import { isTransactionStatement, samplerFromEnvironment, withoutTransactionStatements } from '../sampler';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('the agent sampler', () => {
  it.each(['pg.query:BEGIN shop', 'pg.query:START shop', 'pg.query:COMMIT shop', 'pg.query:END', 'pg.query:ROLLBACK shop', 'pg.query:ABORT shop', 'pg.query:SAVEPOINT shop', 'pg.query:RELEASE shop'])(
    'knows %s for a statement that only delimits a transaction',
    (name) => expect(isTransactionStatement(name, SpanKind.CLIENT)).toBe(true),
  );

  it.each([
    ['pg.query:SELECT shop', SpanKind.CLIENT],
    ['pg.query:INSERT', SpanKind.CLIENT],
    // A prepared statement's name stands where the command would: only the whole word counts.
    ['pg.query:BEGINNING shop', SpanKind.CLIENT],
    ['pg.query:COMMITS', SpanKind.CLIENT],
    ['pg.query', SpanKind.CLIENT],
    ['POST /orders', SpanKind.SERVER],
    ['pg.query:BEGIN shop', SpanKind.INTERNAL],
  ])('leaves %s (kind %s) alone', (name, kind) => expect(isTransactionStatement(name, kind)).toBe(false));

  it('records no span for BEGIN and COMMIT, and asks its delegate about every other span', () => {
    const asked: string[] = [];
    const delegate: Sampler = {
      shouldSample: (_context, _traceId, name) => {
        asked.push(name);
        return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { decided: 'by the delegate' } };
      },
      toString: () => 'Delegate',
    };
    const sampler = withoutTransactionStatements(delegate);
    const decide = (name: string, kind: SpanKind) => sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, name, kind, {}, []);

    expect(decide('pg.query:BEGIN shop', SpanKind.CLIENT)).toEqual({ decision: SamplingDecision.NOT_RECORD });
    expect(decide('pg.query:INSERT shop', SpanKind.CLIENT)).toEqual({ decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { decided: 'by the delegate' } });
    expect(decide('pg.query:COMMIT shop', SpanKind.CLIENT)).toEqual({ decision: SamplingDecision.NOT_RECORD });
    expect(decide('POST /orders', SpanKind.SERVER).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(asked).toEqual(['pg.query:INSERT shop', 'POST /orders']);
    expect(sampler.toString()).toBe('WithoutTransactionStatements{Delegate}');
  });

  describe("takes OpenTelemetry's variables for everything else", () => {
    const names = ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'] as const;
    const before = names.map((n) => process.env[n]);
    afterEach(() => names.forEach((n, i) => (before[i] === undefined ? delete process.env[n] : (process.env[n] = before[i]))));

    it("OpenTelemetry's default when they ask for nothing: parent-based, always on", () => {
      names.forEach((n) => delete process.env[n]);
      expect(samplerFromEnvironment().toString()).toBe(`ParentBased{root=${new AlwaysOnSampler().toString()}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}`);
    });

    it('the one they name, with its ratio', () => {
      process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
      process.env.OTEL_TRACES_SAMPLER_ARG = '0.25';
      expect(samplerFromEnvironment().toString()).toContain('root=TraceIdRatioBased{0.25}');
      process.env.OTEL_TRACES_SAMPLER = 'always_off';
      expect(samplerFromEnvironment().shouldSample(ROOT_CONTEXT, TRACE_ID, 'POST /orders', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
    });
  });
});
