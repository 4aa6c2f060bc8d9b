import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the test needs it: its ids, name and the service that made it. */
export interface RecordedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  /** The resource's service.name. */
  readonly service: string;
}

interface OtlpValue {
  stringValue?: string;
}
interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; name: string }[] }[];
  }[];
}

/**
 * A tiny OTLP/HTTP trace receiver, as a local OpenTelemetry Collector would be: it accepts the JSON
 * encoding the agent's exporter sends (POST /v1/traces) and records every span with its service.
 */
export async function startOtlpReceiver(): Promise<{ url: string; spans: RecordedSpan[]; close: () => Promise<void> }> {
  const spans: RecordedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
        for (const resource of body.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans ?? []) {
            for (const s of scope.spans ?? []) spans.push({ traceId: s.traceId, spanId: s.spanId, name: s.name, service });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
