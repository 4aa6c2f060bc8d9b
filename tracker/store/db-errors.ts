import { ConfigError, OrderscopeError, UnavailableError, describeError, isRetriable } from '../../common/errors';

/**
 * SQLSTATE classes worth another attempt: 08 connection exception, 40 transaction rollback
 * (serialization failure, deadlock), 53 insufficient resources, 57P0x the server shutting down.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57P0)/;

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
  if ((typeof code === 'string' && TRANSIENT_SQLSTATE.test(code)) || isRetriable(err) || isConnectionLoss(err)) {
    return new UnavailableError(`PostgreSQL at ${where} is unavailable: ${describeError(err)}`, err);
  }
  return err;
}

function isConnectionLoss(err: unknown): boolean {
  const message = describeError(err);
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}
