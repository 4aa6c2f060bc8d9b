import type { IncomingHttpHeaders } from 'node:http';
import type { TokenConfig } from '../../common';
import { bearerToken, findToken, hasScope } from '../../common/auth';
import { RequestRefused } from './refusal';

/**
 * The configured token that a request's `Authorization: Bearer ...` header presents, if it may ingest.
 * Refuses with 401 (no or unknown token) or 403 (a token without the `ingest` scope). Messages name
 * the token by its configured name, never by its value.
 */
export function authenticateIngest(headers: IncomingHttpHeaders, tokens: readonly TokenConfig[]): TokenConfig {
  const presented = bearerToken(headers.authorization);
  if (!presented) {
    throw new RequestRefused(401, 'missing_token', 'the request has no bearer token; send the header Authorization: Bearer <token>');
  }
  const token = findToken(tokens, presented);
  if (!token) {
    throw new RequestRefused(401, 'invalid_token', 'the bearer token is not valid (unknown or revoked); check the token configured in the agent');
  }
  if (!hasScope(token, 'ingest')) {
    throw new RequestRefused(403, 'missing_scope', `the token "${token.name}" does not have the ingest scope; use a token with scopes: [ingest]`);
  }
  return token;
}
