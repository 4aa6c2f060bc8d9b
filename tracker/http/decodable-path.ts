import type { NextFunction, Request, Response } from 'express';
import { ValidationError, printable } from '../../common';
import type { Micros } from '../timeline';
import { renderBadRequestPage } from './home-page';
import { sendPage } from './send-page';

/**
 * Refuses, with a 400 that says what to write, a path whose percent-encoding does not decode
 * (`/v1/orders/%E0%A4%A`: a cut-off escape, `%ZZ`, bytes that are not UTF-8). Express would refuse it
 * too, but only once a route's parameter fails to decode, and in its own words ("Failed to decode
 * param"). A path under /orders/ is a page's, so it is answered with a page.
 */
export function refuseUndecodablePath(nowMicros: () => Micros) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      decodeURIComponent(req.path);
      return next();
    } catch {
      // Falls through to the answer: URIError is the only error decodeURIComponent throws.
    }
    const message = `the path "${printable(req.path)}" is not valid percent-encoding: each "%" must start an escape such as %20, and the escapes must spell UTF-8; write a "%" itself as %25`;
    if (req.path.startsWith('/orders/')) return sendPage(res, 400, renderBadRequestPage(message, nowMicros()));
    next(new ValidationError(message));
  };
}
