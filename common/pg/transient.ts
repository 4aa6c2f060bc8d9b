import { describeError } from '../errors';

/**
 * SQLSTATEs after which the same statement may well succeed later: 08 connection exception (the
 * server went away), 40001 serialization failure and 40P01 deadlock (the other transaction is gone
 * next time), 53 insufficient resources (too many connections, out of memory or disk, until someone
 * frees them), 57P01-57P03 the server shutting down, crashed or still starting. Not the rest of class
 * 40 (40002 is a constraint violation at commit) nor 57014 (a statement cancelled by a timeout would
 * time out again).
 */
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|40001|40P01|53[0-9A-Z]{3}|57P0[123])$/;

/**
 * node-postgres reports a connection lost mid-query, or never made, with an error that has no
 * SQLSTATE and no errno: its message is all there is to go on. These are its own messages (pg 8).
 */
const PG_CONNECTION_LOSS = /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Whether a PostgreSQL error is worth another attempt: a transient SQLSTATE, or node-postgres losing
 * its connection. Errors of the network itself (ECONNREFUSED...) are `isRetriable`'s (common/errors).
 */
export function isTransientPgError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return TRANSIENT_SQLSTATE.test(code);
  return isPgConnectionLoss(err);
}

/** node-postgres lost (or never had) its connection, by its message (see PG_CONNECTION_LOSS). */
export function isPgConnectionLoss(err: unknown): boolean {
  return err instanceof Error && PG_CONNECTION_LOSS.test(describeError(err));
}
