import { RequestRefused } from './refusal';

/** How the events of a request body are framed. */
export type BatchFormat = 'json' | 'ndjson';

const FORMATS: Record<string, BatchFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
};

const HOW_TO_SEND =
  'send Content-Type: application/json with a JSON array of events, or application/x-ndjson with one event per line';

/**
 * The format of a request from its Content-Type (and Content-Encoding) headers; refuses (415)
 * anything else, saying which types are accepted.
 */
export function batchFormat(contentType: string | undefined, contentEncoding: string | undefined): BatchFormat {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw new RequestRefused(415, 'unsupported_media_type', `Content-Encoding ${quote(contentEncoding)} is not supported; send the body uncompressed`);
  }
  if (!contentType) throw new RequestRefused(415, 'unsupported_media_type', `the request has no Content-Type; ${HOW_TO_SEND}`);
  const [mediaType = '', ...parameters] = contentType.split(';');
  const format = FORMATS[mediaType.trim().toLowerCase()];
  if (!format) throw new RequestRefused(415, 'unsupported_media_type', `Content-Type ${quote(mediaType.trim())} is not accepted; ${HOW_TO_SEND}`);
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new RequestRefused(415, 'unsupported_media_type', `charset ${quote(charset)} is not accepted; encode the body as UTF-8 (charset=utf-8)`);
    }
  }
  return format;
}

/** Quotes a header value for a message, cut short so that a huge header cannot bloat the answer. */
function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown);
}
