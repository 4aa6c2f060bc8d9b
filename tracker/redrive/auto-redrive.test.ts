import express from 'express';
import { createLogger, listen, type RunningServer } from '../../common';
import type { ProcessModel } from '../../events';
import type { Db } from '../store';
import { apiTestConfig, orderEvent, redriveTestModel, startEmbedded, type EmbeddedTracker } from '../test/fixtures';
import { createAutoRedrive } from './auto-redrive';
import { createRedriver } from './redriver';

/*
 * The automatic redrive policy's round reads the lost orders once: it plans each order from the row
 * the list gave it, instead of reading the order (and its status history) again to plan it and a
 * third time to redrive it. Statements are counted on the real SQL (PGlite), against an owning
 * system that is a real HTTP server of this test.
 */

const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const LOST = ['A-1', 'A-2', 'A-3'];

/** Statements that read orders or their status history (the tables a plan reads). */
const readsOrders = (sql: string) => /\b(FROM|JOIN)\s+(orders|status_changes)\b/.test(sql);

describe('the automatic redrive round', () => {
  let owner: RunningServer;
  let t: EmbeddedTracker;
  const received: string[] = [];
  let now = T0;
  let model: ProcessModel;

  beforeAll(async () => {
    const app = express();
    app.post('/orders/:id/requote', (req, res) => {
      received.push(req.params.id);
      res.status(202).json({ redriven: true });
    });
    owner = await listen(app, '127.0.0.1', 0);
    process.env.OWNER_TOKEN = 'owner-secret';
    model = redriveTestModel(owner.url, ', auto: { attempts: 2, backoff: 5m }');
    t = await startEmbedded({ config: apiTestConfig({ autoRedriveIntervalMs: 0 }), model, now: () => now });
    // Three orders placed, none picked up by pricing: lost at the handoff once 10 minutes have passed.
    await t.tracker.apply(LOST.map((id) => orderEvent(id, 'placed', T0)));
    now = T0 + 11 * 60_000;
    await t.tracker.sweep();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await owner?.close();
    delete process.env.OWNER_TOKEN;
  });

  it('plans every lost order from the one read of the round: two statements read orders, however many are lost', async () => {
    const statements: string[] = [];
    const counted: Db = {
      description: t.db.description,
      query: (text, params) => {
        statements.push(text);
        return t.db.query(text, params);
      },
      exec: (script) => t.db.exec(script),
      transaction: (fn) => t.db.transaction(fn),
      close: () => t.db.close(),
    };
    const redriver = createRedriver({ db: counted, model, rate: { eventsPerSecond: 0, burst: 1 }, now: () => now });
    const round = createAutoRedrive({ db: counted, model, redriver, intervalMs: 0, logger: createLogger('test', 'silent'), now: () => now });

    expect(await round.runOnce()).toBe(3);
    expect(received.sort()).toEqual(LOST);
    // The lost orders (with the handoff each missed), which of them are a backfill's history, and
    // their earlier automatic attempts: three reads for the round's orders at once; nothing else reads
    // an order: planning and redriving reuse the listed row.
    expect(statements.filter(readsOrders)).toHaveLength(3);
    expect(statements.filter((s) => /WHERE order_id = \$1/.test(s) && readsOrders(s))).toEqual([]);
  });
});
