import path from 'node:path';
import { UnavailableError, startModuleThread } from '../../common';
import type { Db, Row, Sql } from './db';
import { translateDbError } from './db-errors';

/** A request to the PGlite thread; `id` comes back on its reply. `tx` names an open transaction (the id of its `begin`). */
export type ThreadRequest = { readonly id: number } & ThreadOperation;

type ThreadOperation =
  | { readonly op: 'query'; readonly text: string; readonly params?: unknown[]; readonly tx?: number }
  | { readonly op: 'exec'; readonly script: string; readonly tx?: number }
  | { readonly op: 'begin' }
  | { readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly op: 'close' };

export interface ThreadError {
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

/** The answer to a request: its rows, or its error. Id 0 answers the opening of the database. */
export type ThreadReply = { readonly id: number } & ({ readonly rows: unknown[] } | { readonly error: ThreadError });

type Call = { resolve(rows: unknown[]): void; reject(err: unknown): void };

/**
 * A {@link Db} on PGlite running in a thread of its own (pglite-thread.ts), for embedded mode.
 * PGlite runs its statements synchronously in WebAssembly: on the main thread a statement of a
 * year-long report (hundreds of milliseconds) would stall every HTTP request of the process, the
 * collector's ingest and health checks included. In a thread only the database waits for it.
 * The same SQL and semantics as {@link openPglite}: one connection, a transaction holds it.
 *
 * If the thread dies (out of memory, a crash of the WebAssembly), every waiting and later call fails
 * with an {@link UnavailableError}: the tracker's retries and /readyz see it as a database down.
 */
export async function openPgliteThread(dataDir?: string): Promise<Db> {
  const where = dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory';
  const thread = startModuleThread(path.join(__dirname, `pglite-thread${path.extname(__filename)}`), { workerData: { dataDir } });
  const calls = new Map<number, Call>();
  let nextId = 1;
  let stopped: Error | undefined;

  const stop = (why: string) => {
    stopped ??= new UnavailableError(`${where} stopped: ${why}`);
    for (const call of calls.values()) call.reject(stopped);
    calls.clear();
  };
  thread.on('message', (reply: ThreadReply) => {
    const call = calls.get(reply.id);
    calls.delete(reply.id);
    if (calls.size === 0) thread.unref();
    if (!call) return;
    if ('rows' in reply) call.resolve(reply.rows);
    else call.reject(translateDbError(Object.assign(new Error(reply.error.message), reply.error.fields), where));
  });
  thread.on('error', (err) => stop(err.message));
  thread.on('exit', (code) => stop(`its thread exited (code ${code})`));

  const send = (operation: ThreadOperation, id = nextId++): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      // A waiting call keeps the process alive (an idle thread does not): a start-up that only
      // waits for the database must not see the process exit under it.
      if (calls.size === 0) thread.ref();
      calls.set(id, { resolve, reject });
      thread.postMessage({ ...operation, id } satisfies ThreadRequest);
    });
  const opened = new Promise<unknown[]>((resolve, reject) => calls.set(0, { resolve, reject }));
  try {
    await opened;
  } catch (err) {
    await thread.terminate();
    throw err;
  }

  const sqlOf = (tx?: number): Sql => ({
    query: async <R = Row>(text: string, params?: readonly unknown[]) =>
      (await send({ op: 'query', text, ...(params && { params: [...params] }), ...(tx !== undefined && { tx }) })) as R[],
    exec: async (script: string) => {
      await send({ op: 'exec', script, ...(tx !== undefined && { tx }) });
    },
  });
  let closing: Promise<void> | undefined;
  return {
    description: where,
    ...sqlOf(),
    async transaction(fn) {
      const id = nextId++;
      await send({ op: 'begin' }, id);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(sqlOf(id));
      } catch (err) {
        await send({ op: 'end', tx: id, commit: false }).catch(() => undefined);
        throw err;
      }
      await send({ op: 'end', tx: id, commit: true });
      return result;
    },
    close: () =>
      (closing ??= (async () => {
        if (!stopped) await send({ op: 'close' }).catch(() => undefined);
        await thread.terminate();
      })()),
  };
}
