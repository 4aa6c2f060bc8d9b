import express, { type Request, type Response, type Router } from 'express';
import { type TokenConfig, authorize, ValidationError, sendError, printable, queryReader } from '../../common';
import { DEAD_LETTER_REASONS, DEAD_LETTER_STATUSES, getDeadLetter, listDeadLetters, type DeadLetterFilter, type DeadLetterReason, type DeadLetterRow, type DeadLetterStatus, type Db } from '../store';
import { formatEventTime } from '../timeline';
import { readPageSize } from './list-query';
import { authorizationOf } from './browser-session';

/** What an operator can do to a parked dead letter; the tracker's retryDeadLetter and dropDeadLetter. */
export interface DeadLetterActions {
  retry(id: number, by: string): Promise<DeadLetterActionResult>;
  drop(id: number, by: string): Promise<DeadLetterActionResult>;
}

export type DeadLetterActionResult =
  | { readonly result: 'retried' | 'dropped' | 'not_parked'; readonly letter: DeadLetterRow }
  | { readonly result: 'failed'; readonly letter: DeadLetterRow; readonly error: string }
  | { readonly result: 'not_found' };

export interface DeadLettersRouteOptions {
  readonly db: Db;
  readonly tokens: readonly TokenConfig[];
  readonly actions: DeadLetterActions;
}

const PARAMETERS = ['status', 'reason', 'limit', 'cursor'];

/**
 * The dead letters: events the tracker set aside because they can never be applied as they are.
 * Mounted under /v1, behind the read scope:
 *
 * - `GET /dead-letters?status=&reason=&limit=&cursor=` newest first (status defaults to every one);
 * - `GET /dead-letters/:id` one letter with its raw event;
 * - `POST /dead-letters/:id/retry` (admin) applies it again under today's contract and model: 200
 *   `retried`, or 409 `still_failing` with the new error (it stays parked, one more attempt);
 * - `POST /dead-letters/:id/drop` (admin) discards it on purpose.
 *
 * Retry and drop record the token's name and the time; a letter that is not parked any more is a 409.
 */
export function deadLettersRoutes(options: DeadLettersRouteOptions): Router {
  const { db } = options;
  const router = express.Router();
  router.get('/dead-letters', async (req: Request, res: Response) => {
    const query = parseDeadLetterQuery(req.query as Record<string, unknown>);
    const rows = await listDeadLetters(db, query.filter, query.before, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const next = rows.length > query.limit ? String(page[page.length - 1]!.id) : null;
    res.json({ dead_letters: page.map((l) => deadLetterView(l, false)), next_cursor: next });
  });
  router.get('/dead-letters/:id', async (req: Request<{ id: string }>, res: Response) => {
    const id = parseId(req.params.id);
    const letter = await getDeadLetter(db, id);
    if (!letter) return sendError(res, 404, 'dead_letter_not_found', notFound(id));
    res.json(deadLetterView(letter, true));
  });
  for (const action of ['retry', 'drop'] as const) {
    router.post(`/dead-letters/:id/${action}`, async (req: Request<{ id: string }>, res: Response) => {
      const auth = authorize(authorizationOf(req), options.tokens, 'admin');
      if (!auth.ok) return sendError(res, auth.status, auth.code, auth.message);
      const id = parseId(req.params.id);
      const outcome = await options.actions[action](id, auth.token.name);
      if (outcome.result === 'not_found') return sendError(res, 404, 'dead_letter_not_found', notFound(id));
      if (outcome.result === 'not_parked') {
        return sendError(res, 409, 'not_parked', `dead letter ${id} is ${outcome.letter.status} already (by ${outcome.letter.resolvedBy ?? 'someone'}); only a parked letter can be retried or dropped`);
      }
      if (outcome.result === 'failed') {
        return sendError(res, 409, 'still_failing', `dead letter ${id} still cannot be applied: ${outcome.error}. It stays parked (attempt ${outcome.letter.attempts}); fix the cause, then retry again, or drop it`);
      }
      res.json(deadLetterView(outcome.letter, false));
    });
  }
  return router;
}

/** A letter as the API shows it; `withRaw` adds the raw event (as text, and as base64 when it is not UTF-8). */
export function deadLetterView(l: DeadLetterRow, withRaw: boolean) {
  const text = utf8OrNull(l.raw);
  return {
    id: l.id,
    status: l.status,
    reason: l.reason,
    error: l.error,
    event_id: l.eventId,
    order_id: l.orderId,
    origin: l.origin,
    attempts: l.attempts,
    first_failed_at: formatEventTime(l.firstFailedAt),
    last_failed_at: formatEventTime(l.lastFailedAt),
    resolved_by: l.resolvedBy,
    resolved_at: l.resolvedAt === null ? null : formatEventTime(l.resolvedAt),
    ...(withRaw && { raw: text, ...(text === null && { raw_base64: l.raw.toString('base64') }) }),
  };
}

function utf8OrNull(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function notFound(id: number): string {
  return `no dead letter ${id}; list them with GET /v1/dead-letters (or orderscope dead-letters list)`;
}

function parseId(text: string): number {
  const id = Number(text);
  if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(id)) throw new ValidationError(`id: "${printable(text)}" is not a dead letter id (a whole number from 1, as GET /v1/dead-letters lists them)`);
  return id;
}

function parseDeadLetterQuery(query: Record<string, unknown>): { filter: DeadLetterFilter; before: number | null; limit: number } {
  const text = queryReader(query, PARAMETERS);
  const status = text('status');
  if (status !== undefined && !(DEAD_LETTER_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError(`status: "${status}" is not a status (one of: ${DEAD_LETTER_STATUSES.join(', ')})`);
  }
  const reason = text('reason');
  if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason)) {
    throw new ValidationError(`reason: "${reason}" is not a reason (one of: ${DEAD_LETTER_REASONS.join(', ')})`);
  }
  const pageSize = readPageSize(text);
  const cursor = text('cursor');
  if (cursor !== undefined && !/^[1-9]\d{0,15}$/.test(cursor)) throw new ValidationError('cursor: not a cursor of this list; pass the next_cursor of the previous page unchanged');
  return {
    filter: { ...(status !== undefined && { status: status as DeadLetterStatus }), ...(reason !== undefined && { reason: reason as DeadLetterReason }) },
    before: cursor === undefined ? null : Number(cursor),
    limit: pageSize,
  };
}
