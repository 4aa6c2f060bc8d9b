import type { NextFunction, Request, Response } from 'express';
import type { TokenConfig } from '../../common';
import { bearerToken, findToken, hasScope, type Scope } from '../../common/auth';
import { sendError } from '../../common/http';

/**
 * Lets a request through only with `Authorization: Bearer <token>` naming a configured token that has
 * `scope`: 401 without a token or with an unknown one, 403 with a token lacking the scope. Messages
 * name the token by its configured name, never by its value.
 */
export function requireScope(tokens: readonly TokenConfig[], scope: Scope) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const presented = bearerToken(req.headers.authorization);
    if (!presented) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="orderscope"');
      return sendError(res, 401, 'missing_token', 'the request has no bearer token; send the header Authorization: Bearer <token>');
    }
    const token = findToken(tokens, presented);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="orderscope", error="invalid_token"');
      return sendError(res, 401, 'invalid_token', 'the bearer token is not valid (unknown or revoked)');
    }
    if (!hasScope(token, scope)) {
      return sendError(res, 403, 'missing_scope', `the token "${token.name}" does not have the ${scope} scope; use a token with scopes: [${scope}]`);
    }
    next();
  };
}
