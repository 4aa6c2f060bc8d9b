/** A result row as the drivers return it; each query casts its columns to types both drivers read alike. */
export type Row = Record<string, unknown>;

/**
 * What SQL code needs from a connection: parameterised statements and, for migrations, scripts.
 * Implemented over `pg` (PostgreSQL) and PGlite (embedded mode), so that every statement of the
 * tracker is written once and runs on both.
 */
export interface Sql {
  /** Runs one parameterised statement and resolves to its rows. */
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** A database: statements on any connection, transactions on one. */
export interface Db extends Sql {
  /**
   * Runs `fn` in one transaction (READ COMMITTED) on one connection: committed when `fn` resolves,
   * rolled back when it throws. For a consistent read of several statements, start `fn` with
   * `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Closes the connections; in-flight statements finish first. Safe to call twice. */
  close(): Promise<void>;
  /** Where the data lives, for logs and errors (never a password). */
  readonly description: string;
}
