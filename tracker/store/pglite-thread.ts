/**
 * The program of the thread that owns PGlite for {@link openPgliteThread} (pglite-thread-db.ts): it
 * opens the database in `workerData.dataDir` (memory when absent), answers "opened" (id 0) or why
 * not, then runs each request it is sent and answers it with the same id. Requests that name a
 * transaction run in it; others wait for PGlite's one connection as they would on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ANNOUNCE_WRITER_SCHEMA } from './migrate';
import type { ThreadReply, ThreadRequest, ThreadError } from './pglite-thread-db';

const port = parentPort!;
/** Rejects a transaction's callback so that PGlite rolls it back; not an error of anyone's. */
const ROLLBACK = Symbol('rollback');

interface OpenTransaction {
  readonly tx: Transaction;
  /** Commits (or rolls back) and resolves when PGlite is done with the transaction. */
  end(commit: boolean): Promise<void>;
}

async function main(): Promise<void> {
  let pg: PGlite;
  try {
    pg = await PGlite.create((workerData as { dataDir?: string }).dataDir);
    await pg.exec(ANNOUNCE_WRITER_SCHEMA());
  } catch (err) {
    reply({ id: 0, error: errorOf(err) });
    return;
  }
  const transactions = new Map<number, OpenTransaction>();
  const target = (tx: number | undefined) => {
    if (tx === undefined) return pg;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };

  /** Opens a transaction named `id`; it holds the connection until its `end`. */
  const begin = (id: number) =>
    new Promise<void>((opened, failed) => {
      const done = pg.transaction(
        (tx) =>
          new Promise<void>((commit, rollback) => {
            transactions.set(id, {
              tx,
              end: async (shouldCommit) => {
                if (shouldCommit) commit();
                else rollback(ROLLBACK);
                try {
                  await done;
                } catch (err) {
                  if (err !== ROLLBACK) throw err;
                } finally {
                  transactions.delete(id);
                }
              },
            });
            opened();
          }),
      );
      // BEGIN itself failed: the callback never ran. Later failures reach `end`.
      done.catch((err: unknown) => {
        if (!transactions.has(id)) failed(err);
      });
    });

  const run = async (request: ThreadRequest): Promise<unknown[]> => {
    switch (request.op) {
      case 'query':
        return (await target(request.tx).query(request.text, request.params)).rows;
      case 'exec':
        await target(request.tx).exec(request.script);
        return [];
      case 'begin':
        await begin(request.id);
        return [];
      case 'end':
        await transactions.get(request.tx)?.end(request.commit);
        return [];
      case 'close':
        if (!pg.closed) await pg.close();
        return [];
    }
  };

  port.on('message', (request: ThreadRequest) => {
    run(request).then(
      (rows) => reply({ id: request.id, rows }),
      (err: unknown) => reply({ id: request.id, error: errorOf(err) }),
    );
  });
  reply({ id: 0, rows: [] });
}

function reply(message: ThreadReply): void {
  port.postMessage(message);
}

/** An error as data: its message and plain fields (SQLSTATE `code`, detail...), which errors lose on the way between threads. */
function errorOf(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(err)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { message: err.message, fields };
}

void main();
