import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModel, mainPath } from '../../../events';
import { migrate, type Db } from '../../../tracker';
import { importLog } from '../../import/import-log';
import { storeSink } from '../../import/store-sink';
import { observeLog } from '../from-log';
import { observeStore } from '../from-store';
import { niceLimit, proposeModel } from '../propose-model';
import { openTestPglite } from '../../../tracker/test/pglite-template';

const NOW = new Date(Date.UTC(2027, 0, 1));

/**
 * Four orders through a shop (web), a back office (crm) and production (mes): one goes back to
 * "Check" once, one is cancelled, one is still in production at the end, and the activity texts
 * differ in case between exports ("Check receipt" / "check receipt").
 */
const LOG = [
  'case_id,activity,timestamp,system',
  'o1,Order received,2026-03-28T10:00:00+01:00,Web Shop',
  'o1,Check receipt,2026-03-28T10:30:00+01:00,CRM',
  'o1,Produce (MES),2026-03-29T10:30:00+02:00,MES',
  'o1,Shipped!,2026-03-30T10:30:00+02:00,MES',
  'o2,Order received,2026-03-28T11:00:00+01:00,Web Shop',
  'o2,check receipt,2026-03-28T12:00:00+01:00,CRM',
  'o2,Order received,2026-03-28T12:00:00+01:00,Web Shop',
  'o2,Check receipt,2026-03-28T13:00:00+01:00,CRM',
  'o2,Produce (MES),2026-03-28T14:00:00+01:00,MES',
  'o2,Shipped!,2026-03-28T18:00:00+01:00,MES',
  'o3,Order received,2026-03-28T09:00:00+01:00,Web Shop',
  'o3,Cancelled?,2026-03-28T09:10:00+01:00,CRM',
  'o4,Order received,2026-03-29T09:00:00+02:00,Web Shop',
  'o4,Check receipt,2026-03-29T09:20:00+02:00,CRM',
  'o4,Produce (MES),2026-03-29T11:00:00+02:00,MES',
  '',
].join('\n');

describe('model discover', () => {
  it('proposes a commented model that passes the checks and under which the log breaks no rule, from the file and from the store alike', async () => {
    const db: Db = await openTestPglite();
    await migrate(db);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'orderscope-discover-')), 'shop-orders.csv');
    writeFileSync(file, LOG);
    const reading = { sourceColumn: 'system' };
    const { observations, skipped } = await observeLog(file, reading, NOW);
    expect(skipped.rejected).toBe(0);
    const yaml = proposeModel(observations, 'shop-orders');
    const model = loadModel(yaml);

    expect(model.states.map((s) => [s.name, s.label, s.aliases, s.system, s.terminal, s.expectWithinSeconds, s.lostAfterSeconds])).toEqual([
      // p90 and p99 round to one limit: lost_after is the next one, so that stuck comes first.
      ['order_received', 'Order received', [], 'web_shop', false, 3600, 7200],
      ['check_receipt', 'Check receipt', ['check receipt'], 'crm', false, 86_400, 172_800],
      ['produce_mes', 'Produce (MES)', [], 'mes', false, 86_400, 172_800],
      ['shipped', 'Shipped!', [], 'mes', true, undefined, undefined],
      ['cancelled', 'Cancelled?', [], 'crm', true, undefined, undefined],
    ]);
    expect(model.successors('order_received')).toEqual(['check_receipt', 'cancelled']);
    expect(model.successors('check_receipt')).toEqual(['order_received', 'produce_mes']);
    // Where the usual next state belongs to another system, a handoff (a cancellation or a way back leaves the state too).
    expect(model.handoffs.map((h) => [h.from, h.to, h.withinSeconds])).toEqual([
      ['order_received', 'check_receipt', 7200],
      ['check_receipt', 'produce_mes', 172_800],
    ]);
    // Where most orders end is the end of the main path: what the report calls completed.
    expect(mainPath(model)).toEqual(['order_received', 'check_receipt', 'produce_mes', 'shipped']);
    // o2 went back from check to received at the same second (the file's order breaks the tie): 0 s.
    expect(yaml).toContain('  # 4 closed stays: p50 1h20m, p90 16h36m, p99 22h21m36s, mean 6h25m\n  - name: check_receipt');
    expect(yaml).toContain('  # 2 closed stays: p50 14h, p90 22h, p99 23h48m, mean 14h; 1 order still there at the end\n  - name: produce_mes');
    expect(yaml).toContain('  - { from: check_receipt, to: [produce_mes, order_received] }  # produce_mes 3, order_received 1');
    // The histogram spans what was seen: a tenth of the shortest p50 down to 2m, ten times the longest
    // p99 (22h21m36s) up to 14d.
    expect(model.histogram).toEqual({ fromSeconds: 120, toSeconds: 1_209_600 });
    expect(yaml).toContain('\nhistogram: { from: 2m, to: 14d }\n');

    const summary = await importLog({ file, ...reading, model, sink: storeSink(db, model, () => NOW.getTime()) });
    expect(summary.accepted).toBe(15);
    const [{ violations }] = (await db.query<{ violations: number }>(`SELECT count(*)::int AS violations FROM events WHERE violation IS NOT NULL`)) as [{ violations: number }];
    expect(violations).toBe(0);

    // The store's view is the file's: the same proposal but for where it came from.
    const fromStore = proposeModel(await observeStore(db), 'shop-orders');
    const body = (text: string) => text.split('\n').slice(2).join('\n');
    expect(body(fromStore)).toBe(body(yaml));
    await db.close();
  });

  it('proposes a handoff where the usual next state belongs to another system, within lost_after', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'orderscope-discover-')), 'h.csv');
    // a (x) -> b (y) twice, in 4 and 6 minutes; once a -> c (x), a cancellation in x itself, in 1. p90 5m48s
    // and p99 5m59s round to 10m: expect_within 10m, lost_after and the handoff's window the next limit, 15m.
    writeFileSync(file, 'case,activity,timestamp,system\n1,a,2026-01-01T00:00:00Z,x\n1,b,2026-01-01T00:04:00Z,y\n2,a,2026-01-01T00:00:00Z,x\n2,b,2026-01-01T00:06:00Z,y\n3,a,2026-01-01T00:00:00Z,x\n3,c,2026-01-01T00:01:00Z,x\n');
    const yaml = proposeModel((await observeLog(file, { sourceColumn: 'system' }, NOW)).observations, 'h');
    expect(loadModel(yaml).handoffs).toEqual([{ from: 'a', to: 'b', fromSystem: 'x', toSystem: 'y', withinSeconds: 900, via: '' }]);
  });

  it.each([
    [0.2, 1],
    [59, 60],
    [61, 120],
    [3601, 7200],
    [400 * 86_400 + 1, 401 * 86_400],
  ])('rounds a suggested limit of %s s up to %s s', (seconds, nice) => {
    expect(niceLimit(seconds)).toBe(nice);
  });
});
