import { ValidationError, queryReader, type QueryText } from '../../common';
import { OCCURRED_AT_BEFORE, OCCURRED_AT_FROM, orderIdProblem } from '../../events';
import type { OrderFilter, OrderListPosition } from '../store';
import { ORDER_STATUSES } from '../timeline';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** The query parameters of an order list; each list takes all of them or a subset. */
export const LIST_PARAMETERS = ['state', 'status', 'segment', 'limit', 'cursor'] as const;
export type ListParameter = (typeof LIST_PARAMETERS)[number];
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** A validated `GET /v1/orders` query. */
export interface ListQuery {
  readonly filter: OrderFilter;
  readonly after: OrderListPosition | undefined;
  readonly limit: number;
}

/**
 * Reads `state`, `status`, `segment`, `limit` and `cursor` (or the subset `parameters`) from a query
 * string (as express parses it). Throws a {@link ValidationError} saying which parameter is wrong and
 * what it accepts; unknown parameters are refused too, since a misspelt filter would otherwise
 * silently list everything.
 */
export function parseListQuery(query: Record<string, unknown>, parameters: readonly ListParameter[] = LIST_PARAMETERS): ListQuery {
  const text = queryReader(query, parameters);
  const state = text('state');
  if (state !== undefined && !NAME.test(state)) throw new ValidationError(`state: "${state}" is not a state name (lower case letters, digits, "_" or "-")`);
  const status = text('status');
  if (status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError(`status: "${status}" is not a status (one of: ${ORDER_STATUSES.join(', ')})`);
  }
  const segment = text('segment');
  if (segment !== undefined && (segment.length === 0 || segment.length > 1024)) throw new ValidationError('segment: must be 1 to 1024 characters');
  const pageSize = readPageSize(text);
  const cursor = text('cursor');
  return {
    filter: { ...(state !== undefined && { state }), ...(status !== undefined && { status }), ...(segment !== undefined && { segment }) },
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    limit: pageSize,
  };
}

/** A list's `limit`: the page size, from 1 to MAX_PAGE_SIZE (DEFAULT_PAGE_SIZE when absent). */
export function readPageSize(text: QueryText): number {
  const limitText = text('limit');
  if (limitText === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(limitText);
  if (!/^\d+$/.test(limitText) || n < 1 || n > MAX_PAGE_SIZE) throw new ValidationError(`limit: "${limitText}" is not a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

/**
 * One page of a list fetched with `limit + 1` rows: the first `limit`, and the cursor of the page
 * after them (null when the extra row is absent, i.e. on the last page).
 */
export function pageOf<T extends OrderListPosition>(rows: readonly T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor({ stateSince: last.stateSince, orderId: last.orderId }) : null };
}

/** An opaque cursor for the page after `position` (base64url JSON; clients must not build one). */
export function encodeCursor(position: OrderListPosition): string {
  return Buffer.from(JSON.stringify([position.stateSince, position.orderId])).toString('base64url');
}

/**
 * The position a cursor of {@link encodeCursor} stands for. Anyone can write a cursor, so what it holds
 * is checked like any other input before it reaches the store: an event time within the contract's
 * range and an order id the contract accepts (a U+0000 in it would fail in PostgreSQL, as a 500).
 */
export function decodeCursor(cursor: string): OrderListPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    !Number.isSafeInteger(decoded[0]) ||
    !(decoded[0] >= OCCURRED_AT_FROM && decoded[0] < OCCURRED_AT_BEFORE) ||
    typeof decoded[1] !== 'string' ||
    orderIdProblem(decoded[1]) !== undefined
  ) {
    throw new ValidationError('cursor: not a cursor of this list; pass the next_cursor of the previous page unchanged');
  }
  return { stateSince: decoded[0] as number, orderId: decoded[1] };
}
