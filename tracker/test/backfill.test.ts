import { applyBatch, createSweeper } from '..';
import { markBackfill } from '../../events';
import { migrate, sourceClocks, type Db } from '../store';
import { statusesThrough } from '../detection';
import { parseEventTime } from '../timeline';
import { model, orderEvent, PIPELINE, random, shuffled } from './fixtures';
import { openTestPglite } from './pglite-template';

/*
 * History judged in event time. The wall clock of these tests is a year after the events: every
 * order would be lost on the wall clock (placed: stuck after 2m, lost after 15m; quote_requested: a
 * 5m handoff to pricing).
 */
const WALL = Date.UTC(2027, 5, 1, 12, 0, 0);
const t = (hhmm: string) => `2026-06-01T${hhmm}:00Z`;
const us = (hhmm: string) => parseEventTime(t(hhmm));

describe('backfill: history is judged in event time', () => {
  it('walks the stays an order left, a limit at a time, each change at its event time', () => {
    const left = [
      { state: 'placed', enteredAt: us('10:00'), leftAt: us('10:20') },
      { state: 'quote_requested', enteredAt: us('10:20'), leftAt: us('10:24') },
    ];
    expect(statusesThrough(undefined, left, model)).toEqual({
      changes: [
        { fromStatus: 'open', toStatus: 'stuck', state: 'placed', reason: 'expect_within', handoffTo: null, deadlineAt: us('10:02'), at: us('10:02') },
        { fromStatus: 'stuck', toStatus: 'lost', state: 'placed', reason: 'lost_after', handoffTo: null, deadlineAt: us('10:15'), at: us('10:15') },
        { fromStatus: 'lost', toStatus: 'recovered', state: 'placed', reason: 'moved_on', handoffTo: null, deadlineAt: null, at: us('10:20') },
      ],
      // Left within 5m, quote_requested was not late: the order is recovered there, as live.
      standing: { status: 'recovered', state: 'quote_requested', stateSince: us('10:20') },
    });
    // Leaving at the very instant of a limit is not late; a stored status carries on in its own stay.
    expect(statusesThrough({ status: 'stuck', state: 'placed', stateSince: us('10:00') }, [{ state: 'placed', enteredAt: us('10:00'), leftAt: us('10:15') }], model)).toEqual({
      changes: [],
      standing: { status: 'stuck', state: 'placed', stateSince: us('10:00') },
    });
  });

  describe('in the store', () => {
    let db: Db;
    beforeAll(async () => {
      db = await openTestPglite();
      await migrate(db);
    });
    afterAll(() => db.close());

    it('flags last year\'s delays at last year\'s times, never the wall clock\'s, and pages for none of them', async () => {
      const now = () => WALL;
      // h-1 waited 20 minutes in placed (stuck, then lost, then moved on); h-2 is still in quote_requested
      // at the end of the history, whose source (shop) has reached 11:00; h-3 is a live order.
      // History comes marked (as import and replay send it); live-1 comes as an agent sends it.
      const history = (...events: ReturnType<typeof orderEvent>[]) => events.map((e) => markBackfill(e));
      await applyBatch(db, model, history(orderEvent('h-1', 'placed', t('10:00')), orderEvent('h-1', 'quote_requested', t('10:20')), orderEvent('h-1', 'pricing', t('10:24'))), 'test', now);
      await applyBatch(db, model, history(orderEvent('h-2', 'placed', t('10:40')), orderEvent('h-2', 'quote_requested', t('10:41')), orderEvent('h-9', 'placed', t('11:00'))), 'test', now);
      // Even a day late, an unmarked event is live: judged on the wall clock.
      await applyBatch(db, model, [orderEvent('live-1', 'placed', WALL - 86_400_000)], 'test', now);
      expect(await sourceClocks(db)).toEqual([
        { source: 'mes', watermark: us('10:24') },
        { source: 'shop', watermark: us('11:00') },
      ]);

      const sweeper = createSweeper({ db, model, intervalMs: 60_000, now });
      const sweep = await sweeper.sweep();
      await sweeper.close();

      const flags = await db.query<{ order_id: string; from_status: string; to_status: string; reason: string; handoff_to: string | null; at: string; backfill: boolean }>(
        `SELECT order_id, from_status, to_status, reason, handoff_to, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at, backfill FROM status_changes ORDER BY order_id, at, id`,
      );
      expect(flags).toEqual([
        { order_id: 'h-1', from_status: 'open', to_status: 'stuck', reason: 'expect_within', handoff_to: null, at: '2026-06-01 10:02', backfill: true },
        { order_id: 'h-1', from_status: 'stuck', to_status: 'lost', reason: 'lost_after', handoff_to: null, at: '2026-06-01 10:15', backfill: true },
        { order_id: 'h-1', from_status: 'lost', to_status: 'recovered', reason: 'moved_on', handoff_to: null, at: '2026-06-01 10:20', backfill: true },
        // At 11:00 of the shop's history, h-2 had been in quote_requested 19 minutes: stuck at 10:46, then lost at its handoff's limit.
        { order_id: 'h-2', from_status: 'open', to_status: 'stuck', reason: 'expect_within', handoff_to: null, at: '2026-06-01 10:46', backfill: true },
        { order_id: 'h-2', from_status: 'stuck', to_status: 'lost', reason: 'handoff_missed', handoff_to: 'pricing', at: '2026-06-01 10:46', backfill: true },
        // The live order is judged on the wall clock: lost now, paged.
        { order_id: 'live-1', from_status: 'open', to_status: 'lost', reason: 'lost_after', handoff_to: null, at: '2027-06-01 12:00', backfill: false },
      ]);
      // h-9, placed at 11:00 of the history, is where the history stops: it is not judged by today's clock.
      expect(await db.query(`SELECT order_id, status FROM orders WHERE order_id IN ('h-1', 'h-9') ORDER BY order_id`)).toEqual([
        { order_id: 'h-1', status: 'recovered' },
        { order_id: 'h-9', status: 'open' },
      ]);
      // What the tracker counts into the paging counters: the live loss only.
      expect(sweep.changes.filter((c) => !c.backfill).map((c) => c.orderId)).toEqual(['live-1']);
    });

    it('never moves a live order to a history clock, and keeps history out of the live histogram and apply lag', async () => {
      const now = () => WALL;
      // live-2 is running: placed 2 h ago. A marked event for it (a backlog replayed as history by
      // mistake, or a producer setting the mark) arrives: it must still be flagged when it stalls now.
      await applyBatch(db, model, [orderEvent('live-2', 'placed', WALL - 7_200_000)], 'test', now);
      const marked = await applyBatch(db, model, [markBackfill(orderEvent('live-2', 'quote_requested', WALL - 5_400_000))], 'test', now);
      expect(await db.query(`SELECT clock_source, next_deadline_at IS NOT NULL AS deadline FROM orders WHERE order_id = 'live-2'`)).toEqual([{ clock_source: null, deadline: true }]);
      const sweeper = createSweeper({ db, model, intervalMs: 60_000, now });
      const sweep = await sweeper.sweep();
      await sweeper.close();
      expect(sweep.changes.filter((c) => c.orderId === 'live-2').map((c) => [c.toStatus, c.backfill ?? false])).toEqual([['lost', false]]);
      // Its stay in placed counts in the live histogram, being live; its event's age counts in the lag.
      expect([marked.histogramChanges.length > 0, marked.appliedOccurredAtMs.length]).toEqual([true, 0]);

      // A new order's history: in the reports (stays), not in what Prometheus rates, nor in the lag.
      const history = await applyBatch(db, model, [orderEvent('h-20', 'placed', t('09:00')), orderEvent('h-20', 'quote_requested', t('09:01'))].map((e) => markBackfill(e)), 'test', now);
      expect([history.applied, history.histogramChanges, history.appliedOccurredAtMs]).toEqual([2, [], []]);
      // Its finished stay (placed, one minute) is stored for the reports.
      expect(await db.query(`SELECT state, round(duration_seconds)::int AS seconds FROM stays WHERE order_id = 'h-20'`)).toEqual([{ state: 'placed', seconds: 60 }]);
    });
  });

  describe('however the history is cut into batches', () => {
    // 40 orders through the pipeline from 08:00 of the history, a gap of 30 s to 4 h before each next
    // state (placed is stuck after 2m and lost after 15m, quote_requested must reach pricing in 5m...),
    // some stopping on the way: open where the history ends. Minutes apart, no two events of an order at one instant.
    const rnd = random(17);
    const gaps = [30, 90, 180, 400, 1200, 2700, 14_400];
    const events = Array.from({ length: 40 }, (_, i) => {
      const steps = 1 + Math.floor(rnd() * PIPELINE.length);
      let at = Date.UTC(2026, 5, 1, 8, 0, 0) + i * 420_000;
      return PIPELINE.slice(0, steps).map((state) => {
        const event = markBackfill(orderEvent(`b-${String(i).padStart(2, '0')}`, state, at));
        at += gaps[Math.floor(rnd() * gaps.length)]! * 1000;
        return event;
      });
    }).flat();

    let db: Db;
    beforeAll(async () => {
      db = await openTestPglite();
      await migrate(db);
    });
    afterAll(() => db.close());

    /** Imports `ordered` into an empty store in batches of `size`, sweeping after every third batch as a running tracker would now and then, and once at the end. */
    async function importInBatches(ordered: readonly ReturnType<typeof orderEvent>[], size: number) {
      await db.query('TRUNCATE events, orders, stays, status_changes, source_clocks, histogram_totals');
      const now = () => WALL;
      const sweeper = createSweeper({ db, model, intervalMs: 60_000, now });
      for (let i = 0, n = 0; i < ordered.length; i += size, n++) {
        await applyBatch(db, model, ordered.slice(i, i + size), 'test', now);
        if (n % 3 === 2) await sweeper.sweep();
      }
      await sweeper.sweep();
      await sweeper.close();
      return {
        changes: await db.query<{ at: string; backfill: boolean; to_status: string }>(
          `SELECT order_id, from_status, to_status, state, reason, handoff_to, to_char(deadline_at AT TIME ZONE 'UTC', 'HH24:MI:SS') AS deadline_at,
                  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at, trace_id, backfill
           FROM status_changes ORDER BY order_id, at, to_status, reason`,
        ),
        orders: await db.query(`SELECT order_id, state, status, clock_source, to_char(history_deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS deadline FROM orders ORDER BY order_id`),
      };
    }

    it('records the same flags and statuses, all in event time, in batches of 1, 7 or 1000, in file order or shuffled', async () => {
      const asInFile = await importInBatches(events, 1000);
      // What the history holds: stuck and lost flags, and recoveries.
      const kinds = new Set(asInFile.changes.map((c) => c.to_status));
      expect([...kinds].sort()).toEqual(['lost', 'recovered', 'stuck']);
      // No order is flagged on the wall clock (a year later): every change is history, at an instant of the history.
      const newest = new Date(Math.max(...events.map((e) => Date.parse(e.occurred_at)))).toISOString().replace('T', ' ').slice(0, 19);
      expect(asInFile.changes.filter((c) => !c.backfill || c.at > newest)).toEqual([]);

      for (const [size, order] of [[1, 'file'], [7, 'file'], [1, 'shuffled'], [7, 'shuffled'], [1000, 'shuffled']] as const) {
        const ordered = order === 'file' ? events : shuffled(events, random(size));
        expect([size, order, await importInBatches(ordered, size)]).toEqual([size, order, asInFile]);
      }
    }, 180_000);

    it('judges an order live once any of its events is live, whether the import or the live event came first', async () => {
      await db.query('TRUNCATE events, orders, stays, status_changes, source_clocks, histogram_totals');
      const now = () => WALL;
      const imported = (id: string) => [markBackfill(orderEvent(id, 'placed', t('09:00'))), markBackfill(orderEvent(id, 'quote_requested', t('09:30')))];
      // A live agent's event for the same order, older than the import's newest (a spool drained late).
      const live = (id: string) => [orderEvent(id, 'placed', t('09:00'))];
      await applyBatch(db, model, imported('mix-1'), 'test', now);
      await applyBatch(db, model, live('mix-1'), 'test', now);
      await applyBatch(db, model, live('mix-2'), 'test', now);
      await applyBatch(db, model, imported('mix-2'), 'test', now);
      expect(await db.query(`SELECT order_id, state, clock_source, next_deadline_at IS NOT NULL AS on_wall_clock FROM orders ORDER BY order_id`)).toEqual([
        { order_id: 'mix-1', state: 'quote_requested', clock_source: null, on_wall_clock: true },
        { order_id: 'mix-2', state: 'quote_requested', clock_source: null, on_wall_clock: true },
      ]);
    });
  });
});
