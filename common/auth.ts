import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenConfig } from './config';

export type Scope = TokenConfig['scopes'][number];

/**
 * Finds the configured token that `presented` matches. Tokens are kept only as SHA-256 hashes and
 * compared in constant time over every configured token, so neither a timing difference nor a log
 * line can reveal one.
 */
export function findToken(tokens: readonly TokenConfig[], presented: string | undefined): TokenConfig | undefined {
  if (!presented) return undefined;
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: TokenConfig | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest, Buffer.from(token.sha256, 'hex')) && !found) found = token;
  }
  return found;
}

/** The bearer token of an `Authorization` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function hasScope(token: TokenConfig, scope: Scope): boolean {
  return token.scopes.includes(scope);
}

/** Whether the token may emit events for `source`. */
export function allowsSource(token: TokenConfig, source: string): boolean {
  return token.sources.includes('*') || token.sources.includes(source);
}

export type Authorization =
  | { ok: true; token: TokenConfig }
  | { ok: false; status: 401 | 403; code: 'missing_token' | 'invalid_token' | 'missing_scope'; message: string };

/**
 * Decides a request's `Authorization` header against the configured tokens for one scope: 401 without
 * a token or with an unknown one, 403 with a token lacking the scope. Messages name the token by its
 * configured name, never by its value. Every HTTP edge of orderscope authorises through this.
 */
export function authorize(header: string | undefined, tokens: readonly TokenConfig[], scope: Scope): Authorization {
  const presented = bearerToken(header);
  if (!presented) {
    return { ok: false, status: 401, code: 'missing_token', message: 'the request has no bearer token; send the header Authorization: Bearer <token>' };
  }
  const token = findToken(tokens, presented);
  if (!token) {
    return { ok: false, status: 401, code: 'invalid_token', message: 'the bearer token is not valid (unknown or revoked); check the token you configured' };
  }
  if (!hasScope(token, scope)) {
    return { ok: false, status: 403, code: 'missing_scope', message: `the token "${token.name}" does not have the ${scope} scope; use a token with scopes: [${scope}]` };
  }
  return { ok: true, token };
}
