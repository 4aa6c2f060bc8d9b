import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
// The sampler NodeSDK makes of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG when given none. A
// sampler passed to NodeSDK replaces that one, so the agent wraps it instead of reading the
// variables a second way. sdk-node exports it only from its build (the version is pinned; the
// agent's unit test fails if it moves).
import { createSamplerFromEnv } from '@opentelemetry/sdk-node/build/src/create-from-env';

/**
 * pg's statements that only delimit a transaction, as instrumentation-pg names their spans
 * (`pg.query:BEGIN mydb`): BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT and
 * RELEASE (ROLLBACK TO SAVEPOINT starts with ROLLBACK).
 */
const TRANSACTION_STATEMENT = /^pg\.query:(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE)(?: |$)/;

/** Whether a span about to start is one of {@link TRANSACTION_STATEMENT}'s. */
export function isTransactionStatement(spanName: string, kind: SpanKind): boolean {
  return kind === SpanKind.CLIENT && TRANSACTION_STATEMENT.test(spanName);
}

/**
 * A sampler that records no span for the statements that delimit a pg transaction and leaves every
 * other decision to `delegate`. Such a span carries only a round trip: the statements between them
 * have spans of their own, and the time of a slow COMMIT shows in its parent as the gap after the
 * transaction's last statement. Yet they were 6 of the pipeline shop's 16 spans per order, and the
 * agent's CPU per request grows with its spans (each is made, ended, encoded and sent).
 *
 * Not recorded means not made: the instrumentation gets a non-recording span, which costs nearly
 * nothing, and no child can hang under it (these statements have none).
 */
export function withoutTransactionStatements(delegate: Sampler): Sampler {
  return {
    shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
      if (isTransactionStatement(spanName, spanKind)) return { decision: SamplingDecision.NOT_RECORD };
      return delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    },
    toString: () => `WithoutTransactionStatements{${delegate.toString()}}`,
  };
}

/**
 * The sampler OpenTelemetry's variables ask for (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), or
 * OpenTelemetry's default, parent-based always-on, when they ask for none.
 */
export function samplerFromEnvironment(): Sampler {
  return createSamplerFromEnv() ?? new ParentBasedSampler({ root: new AlwaysOnSampler() });
}
