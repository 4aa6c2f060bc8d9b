import { ConfigError, OrderscopeError, UnavailableError, describeError, isRetriable, networkFailureReason, isPgConnectionLoss, isTransientPgError } from '../../common';

/**
 * Turns a driver error into an orderscope error whose message says what to do: a missing database
 * becomes a {@link ConfigError} naming the `createdb` command, transient failures (connection lost,
 * deadlock, server restarting) become retriable {@link UnavailableError}s, anything else (a bug in a
 * statement) is returned unchanged.
 */
export function translateDbError(err: unknown, where: string): unknown {
  if (err instanceof OrderscopeError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '3D000') {
    const name = /database "([^"]+)"/.exec(describeError(err))?.[1] ?? '(the database in the URL)';
    return new ConfigError(`database "${name}" does not exist on ${where}; create it with: createdb ${name}  (or point postgres.url / ORDERSCOPE_POSTGRES_URL at an existing one)`, err);
  }
  if (code === '28P01' || code === '28000') {
    return new ConfigError(`PostgreSQL at ${where} refused the login: ${describeError(err)}; check the user and password in postgres.url`, err);
  }
  if (isTransientPgError(err) || isRetriable(err)) {
    return new UnavailableError(`PostgreSQL at ${where} is unavailable: ${networkFailureReason(err)}`, err);
  }
  return err;
}

/**
 * The error of a process that cannot start without its PostgreSQL: an unavailable database, once
 * start has given up waiting, with what to do and the setting that names it (`postgres.url ...`).
 */
export function databaseAtStartError(err: unknown, setting: string): unknown {
  if (!(err instanceof UnavailableError)) return err;
  return new UnavailableError(`${err.message}; start it, or point ${setting} at a PostgreSQL that runs`, err);
}

/**
 * Why applying an event failed, when the failure is the event's own and no retry can fix it: the
 * database refused one of its values (SQLSTATE class 22, data exception) or a constraint (class 23),
 * or our own code threw while applying it (an error without a SQLSTATE that is not retriable).
 * Undefined when the failure is the database's (connection, resources, permissions, a missing
 * table...): then every event would fail alike, and the batch must wait and be retried instead of
 * being set aside event by event.
 */
export function poisonReason(err: unknown): 'data_exception' | 'constraint_violation' | 'apply_failed' | undefined {
  if (isRetriable(err) || isPgConnectionLoss(err)) return undefined;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (code.startsWith('22')) return 'data_exception';
    if (code.startsWith('23')) return 'constraint_violation';
    return undefined;
  }
  if (err instanceof OrderscopeError) return err.code === 'invalid_input' ? 'apply_failed' : undefined;
  return 'apply_failed';
}
