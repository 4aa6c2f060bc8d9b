import { isTransientPgError } from './transient';

const pgError = (code: string) => Object.assign(new Error(`error ${code}`), { code });

describe('which PostgreSQL errors are worth another attempt', () => {
  it('takes connection, concurrency, resource and restart SQLSTATEs', () => {
    const transient = ['08000', '08003', '08006', '08P01', '40001', '40P01', '53000', '53100', '53200', '53300', '57P01', '57P02', '57P03'];
    expect(transient.filter((c) => !isTransientPgError(pgError(c)))).toEqual([]);
  });

  it('refuses what a retry would meet again: bad data, constraints, a missing table or database, a cancelled statement', () => {
    const lasting = ['22P02', '22001', '23505', '23503', '40002', '40003', '42P01', '42703', '3D000', '28P01', '57014', '0A000', 'XX000'];
    expect(lasting.filter((c) => isTransientPgError(pgError(c)))).toEqual([]);
  });

  it("takes node-postgres's own connection losses, which carry no SQLSTATE", () => {
    for (const message of ['Connection terminated unexpectedly', 'Connection terminated', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect', 'Client has encountered a connection error and is not queryable']) {
      expect([message, isTransientPgError(new Error(message))]).toEqual([message, true]);
    }
    expect(isTransientPgError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(isTransientPgError('Connection terminated')).toBe(false);
    expect(isTransientPgError(null)).toBe(false);
  });
});
