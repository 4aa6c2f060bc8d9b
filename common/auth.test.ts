import { findToken, bearerToken, allowsSource, hasScope } from './auth';
import { hashToken, type TokenConfig } from './config';

const tokens: TokenConfig[] = [
  { name: 'shop', sha256: hashToken('shop-token'), sources: ['shop'], scopes: ['ingest'] },
  { name: 'ops', sha256: hashToken('ops-token'), sources: ['*'], scopes: ['ingest', 'read'] },
];

describe('token auth', () => {
  it('finds the token a secret belongs to', () => {
    expect(findToken(tokens, 'shop-token')?.name).toBe('shop');
    expect(findToken(tokens, 'ops-token')?.name).toBe('ops');
  });

  it('finds nothing for an unknown, empty or missing secret', () => {
    expect(findToken(tokens, 'nope')).toBeUndefined();
    expect(findToken(tokens, '')).toBeUndefined();
    expect(findToken(tokens, undefined)).toBeUndefined();
  });

  it('reads a bearer token from an Authorization header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('limits sources and scopes', () => {
    expect(allowsSource(tokens[0]!, 'shop')).toBe(true);
    expect(allowsSource(tokens[0]!, 'crm')).toBe(false);
    expect(allowsSource(tokens[1]!, 'crm')).toBe(true);
    expect(hasScope(tokens[0]!, 'read')).toBe(false);
    expect(hasScope(tokens[1]!, 'read')).toBe(true);
  });
});
