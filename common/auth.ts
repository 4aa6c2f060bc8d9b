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
