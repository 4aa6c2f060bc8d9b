import type { IncomingHttpHeaders } from 'node:http';
import { type TokenConfig, authorize } from '../../common';
import { RequestRefused } from './refusal';

/** The configured token that a request presents, if it may ingest; else refuses with 401 or 403. */
export function authenticateIngest(headers: IncomingHttpHeaders, tokens: readonly TokenConfig[]): TokenConfig {
  const auth = authorize(headers.authorization, tokens, 'ingest');
  if (!auth.ok) throw new RequestRefused(auth.status, auth.code, auth.message);
  return auth.token;
}
