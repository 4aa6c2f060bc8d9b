import type { TraceIds } from '../shared';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/**
 * The trace and span ids of a W3C `traceparent` header (version-traceid-parentid-flags), when it is
 * valid and sampled (a trace backend has no record of unsampled ones). Version ff is invalid; future
 * versions may append fields, which are ignored.
 */
export function traceIdsOf(header: unknown): TraceIds | undefined {
  const text = Buffer.isBuffer(header) ? header.toString('latin1') : header;
  if (typeof text !== 'string') return undefined;
  const match = TRACEPARENT.exec(text.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && text.trim().length !== 55)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId) || (parseInt(flags, 16) & 1) === 0) return undefined;
  return { trace_id: traceId, span_id: spanId };
}
