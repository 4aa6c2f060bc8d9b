import fc from 'fast-check';
import { loadModel } from '../../events';
import { migrate, upsertStays, type Db } from '../store';
import { parseEventTime } from '../timeline';
import { backtest } from './backtest';
import { statusesThrough } from './status-rules';
import { openTestPglite } from '../test/pglite-template';

const MIN = 60e6;
/** A time of the day before the window ("-23:10"), of its day ("09:45"), or of the day after ("+00:10"). */
const at = (time: string) => {
  const day = time.startsWith('-') ? '2026-03-01' : time.startsWith('+') ? '2026-03-03' : '2026-03-02';
  return parseEventTime(`${day}T${time.replace(/^[-+]/, '')}:00Z`);
};
const WINDOW = { from: at('00:00'), to: at('+00:00'), now: at('+06:00'), lostWindow: 10 * MIN, stuckFor: 15 * MIN };

const modelWith = (name: string, checkLimits: string, handoff = '45m') =>
  loadModel(`name: ${name}
states:
  - { name: check, system: crm, ${checkLimits} }
  - { name: pack, system: mes, expect_within: 30m }
  - { name: done, system: mes, terminal: true }
transitions:
  - { from: check, to: pack }
  - { from: pack, to: done }
handoffs:
  - { from: check, to: pack, within: ${handoff} }
slos:
  - { state: check, objective: 0.9, within: 10m }
`);

/*
 * A hand-made history. In check (stuck after 10m, lost at the 45m handoff before lost_after's 1h):
 *   order  in check        stuck from  lost at  stuck until
 *   a      09:00 - 09:05   -           -        -
 *   b      09:00 - 10:00   09:10       09:45    09:45
 *   e      09:07 - 11:00   09:17       09:52    09:52
 *   c      09:50 - 10:40   10:00       10:35    10:35
 *   f      10:00 - 12:00   10:10       10:45    10:45
 *   g      -23:10 - 00:30  -23:20      -23:55   -23:55   (the day before: its page and ticket are not the window's)
 *   h      -23:20 - 01:00  -23:30      00:05    00:05    (lost 10m after g: the page g sent still fires)
 *   i      12:00 - 12:20   12:10       -        12:20    (stuck 10m only: no ticket)
 *   j      14:00 - 14:20   14:10       -        14:20
 *   k      14:10 - 14:35   14:20       -        14:35    (touches j's: one run of 25m)
 * Pages (OrderLost, firing from a loss until 10m after the latest): 09:45 (b; e's 09:52 is 7m later),
 * 10:35 (c; f's 10:45 is exactly 10m later: still firing) = 2; h's 00:05 continues g's page.
 * Tickets (OrdersStuck, stuck without a break for 15m): 09:10-09:52 fires 09:25, 10:00-10:45 fires
 * 10:15, 14:10-14:35 fires 14:25 = 3; g and h's run fired at 23:35 the day before.
 * In pack (stuck after 30m, never lost): l there since 20:00 (open; the window ends at midnight) is
 * stuck from 20:30, a ticket at 20:45; m left after 20 minutes.
 */
const CHECK: [string, string, string][] = [
  ['a', '09:00', '09:05'],
  ['b', '09:00', '10:00'],
  ['e', '09:07', '11:00'],
  ['c', '09:50', '10:40'],
  ['f', '10:00', '12:00'],
  ['g', '-23:10', '00:30'],
  ['h', '-23:20', '01:00'],
  ['i', '12:00', '12:20'],
  ['j', '14:00', '14:20'],
  ['k', '14:10', '14:35'],
];

describe('backtest', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestPglite();
    await migrate(db);
    let n = 0;
    const stay = (orderId: string, state: string, from: string, to: string) => ({
      orderId,
      seqNo: state === 'check' ? 0 : 1,
      state,
      system: 'crm',
      enteredAt: at(from),
      leftAt: at(to),
      durationSeconds: (at(to) - at(from)) / 1e6,
      enteredEventId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    });
    await upsertStays(db, [...CHECK.map(([id, from, to]) => stay(id, 'check', from, to)), stay('m', 'pack', '08:00', '08:20')]);
    await db.query(
      `INSERT INTO orders (order_id, state, state_since) VALUES ('l', 'pack', $1::timestamptz), ('m', 'done', $2::timestamptz)`,
      [new Date(at('20:00') / 1000).toISOString(), new Date(at('08:20') / 1000).toISOString()],
    );
  });
  afterAll(() => db.close());

  it('counts the orders flagged, the pages and tickets the alerts would have sent, and SLO compliance, exactly', async () => {
    const result = await backtest(db, modelWith('current', 'expect_within: 10m, lost_after: 1h'), WINDOW);
    expect(result).toEqual({
      model: 'current',
      states: [
        // Stuck in the window: b, e, c, f, i, j, k (h was stuck the day before); lost: b, e, c, f, h. SLO: a of the
        // ten stays that ended in the window left within 10m.
        { state: 'check', label: 'check', stuck: 7, lost: 5, pages: 2, tickets: 3, slo: { objective: 0.9, met: 0.1 } },
        { state: 'pack', label: 'pack', stuck: 1, lost: 0, pages: 0, tickets: 1, slo: null },
      ],
    });
  });

  it('replays other limits over the same history: a longer window merges pages, a later SLA leaves fewer stuck', async () => {
    const result = await backtest(db, modelWith('proposed', 'expect_within: 30m, lost_after: 50m'), { ...WINDOW, lostWindow: 60 * MIN });
    // Stuck at 30m unless gone: b 09:30-09:45, e 09:37-09:52, c 10:20-10:35, f 10:30-10:45, h -23:50-00:05 (h's flag the
    // day before). Lost at the 45m handoff as before, 09:45 to 10:45 within an hour of each other: one page, h's
    // continuing g's. Runs: 09:30-09:52 (22m) fires 09:45, 10:20-10:45 fires 10:35.
    expect(result.states[0]).toEqual({ state: 'check', label: 'check', stuck: 4, lost: 5, pages: 1, tickets: 2, slo: { objective: 0.9, met: 0.1 } });
  });

  it('counts nothing outside the window, and a state without stays as none', async () => {
    const result = await backtest(db, modelWith('current', 'expect_within: 10m, lost_after: 1h'), { ...WINDOW, from: at('11:00'), to: at('14:22') });
    // i stuck at 12:10 and j at 14:10 (k's 14:20 too); no loss; the run 14:10-14:35 fires at 14:25, after the window.
    expect(result.states).toEqual([
      { state: 'check', label: 'check', stuck: 3, lost: 0, pages: 0, tickets: 0, slo: { objective: 0.9, met: 0 } },
      { state: 'pack', label: 'pack', stuck: 0, lost: 0, pages: 0, tickets: 0, slo: null },
    ]);
  });

  it('flags the orders the detector\'s own rules flag (statusesThrough), for any stays and limits', async () => {
    const minutes = fc.integer({ min: 0, max: 600 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(minutes, fc.integer({ min: 0, max: 240 })), { minLength: 1, maxLength: 12 }),
        fc.record({ expect: fc.integer({ min: 1, max: 90 }), longer: fc.integer({ min: 0, max: 60 }), handoff: fc.integer({ min: 1, max: 120 }) }),
        async (stays, limits) => {
          await db.query('TRUNCATE stays, orders');
          const model = modelWith('any', `expect_within: ${limits.expect}m, lost_after: ${limits.expect + limits.longer}m`, `${limits.handoff}m`);
          const rows = stays.map(([start, length], i) => ({
            orderId: `o-${i}`,
            seqNo: 0,
            state: 'check',
            system: 'crm',
            enteredAt: at('08:00') + start * MIN,
            leftAt: at('08:00') + (start + length) * MIN,
            durationSeconds: length * 60,
            enteredEventId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
          }));
          await upsertStays(db, rows);
          const flagged = (status: string) =>
            rows.filter((r) => statusesThrough(undefined, [{ state: 'check', enteredAt: r.enteredAt, leftAt: r.leftAt }], model).changes.some((c) => c.toStatus === status)).length;
          const result = await backtest(db, model, { ...WINDOW, from: at('08:00') });
          expect([result.states[0]!.stuck, result.states[0]!.lost]).toEqual([flagged('stuck'), flagged('lost')]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
