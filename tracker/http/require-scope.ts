import type { NextFunction, Request, Response } from 'express';
import { type TokenConfig, authorize, type Scope, sendError } from '../../common';
import { authorizationOf } from './browser-session';

/**
 * Lets a request through only with a bearer token that has `scope` (see `authorize`); a browser's
 * GET may carry it in the session cookie instead (see browser-session.ts).
 */
export function requireScope(tokens: readonly TokenConfig[], scope: Scope) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = authorize(authorizationOf(req), tokens, scope);
    if (auth.ok) return next();
    if (auth.status === 401) res.setHeader('WWW-Authenticate', `Bearer realm="orderscope"${auth.code === 'invalid_token' ? ', error="invalid_token"' : ''}`);
    sendError(res, auth.status, auth.code, auth.message);
  };
}
