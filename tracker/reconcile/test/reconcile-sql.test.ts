import { Registry } from 'prom-client';
import { loadConfig, silentLogger } from '../../../common';
import { metricValue, model, orderEvent, startEmbedded, type EmbeddedTracker } from '../../test/fixtures';
import { buildLatencyReport, renderHtml } from '../../report';
import { countByKind, createReconcileJob, reconciliationCard, readerOn, ReconcileMetrics, renderReconcileCsv, renderReconcileJson, runReconcile, sourceTables, type SourceTable } from '..';

// The injected clock: every event and row time is derived from it.
const NOW_MS = Date.parse('2031-03-10T12:00:00.000Z');
const MIN_MS = 60_000;
const at = (minutesAgo: number) => new Date(NOW_MS - minutesAgo * MIN_MS).toISOString();

const SOURCE = { name: 'shop', url: 'postgres://shop:secret@shop-db:5432/shop', table: 'public.shop_orders', idColumn: 'id', stateColumn: 'status', updatedAtColumn: 'updated_at', map: ['NEW=placed,QUOTE=quote_requested,DONE=shipped'], ignore: ['DRAFT'] };

describe('reconciliation on PGlite (the source table and the tracker in one database)', () => {
  let embedded: EmbeddedTracker;
  let shop: SourceTable;

  beforeAll(async () => {
    embedded = await startEmbedded({ now: () => NOW_MS });
    const { db, tracker } = embedded;
    await db.exec(`CREATE TABLE shop_orders (id integer PRIMARY KEY, status text, updated_at timestamptz NOT NULL)`);
    await db.query(`INSERT INTO shop_orders VALUES (1, 'QUOTE', $1), (2, 'NEW', $2), (3, 'DONE', $3), (4, 'NEW', $4), (6, 'DRAFT', $5), (7, 'NEW', $6)`, [at(50), at(40), at(30), at(20), at(20), at(2)]);
    await tracker.apply([
      orderEvent('1', 'placed', at(55)),
      orderEvent('1', 'quote_requested', at(50)),
      // 2: its event was dropped; 3: forced to DONE in the source, the tracker still has it quoted
      orderEvent('3', 'placed', at(31)),
      // 4: placed reported by the SDK (shop) and by the sidecar (shop-db)
      orderEvent('4', 'placed', at(20), { source: 'shop' }),
      orderEvent('4', 'placed', at(20), { source: 'shop-db', seq: 1 }),
      // 5: only the tracker has it
      orderEvent('5', 'placed', at(45)),
    ]);
    shop = sourceTables([SOURCE])[0]!;
  });
  afterAll(() => embedded.close());

  const run = (window = { from: (NOW_MS - 60 * MIN_MS) * 1000, to: NOW_MS * 1000 }) =>
    runReconcile({ tracker: embedded.db, sources: [shop], window, now: NOW_MS * 1000, graceMs: 5 * MIN_MS, openReader: async (t) => readerOn(embedded.db, t) });

  it('finds the dropped order missing, the one forced into another state diverged, the double report duplicated and the tracker-only order orphan', async () => {
    const result = await run();
    expect(result.counts).toEqual({ missing: 1, orphan: 1, diverged: 1, duplicated: 1 });
    expect(result.discrepancies.map((d) => [d.kind, d.orderId, d.state, d.sources.map((s) => `${s.source}=${s.value ?? ''}:${s.state}`).join(' ')])).toEqual([
      ['missing', '2', null, 'shop=NEW:placed'],
      ['orphan', '5', 'placed', ''],
      ['diverged', '3', 'placed', 'shop=DONE:shipped'],
      ['duplicated', '4', 'placed', 'shop=:placed shop-db=:placed'],
    ]);
  });

  it('reads only the window: an hour ago to 35 minutes ago holds the rows and events of that time', async () => {
    const result = await run({ from: (NOW_MS - 60 * MIN_MS) * 1000, to: (NOW_MS - 35 * MIN_MS) * 1000 });
    // 1 agrees; 2 changed 40 minutes ago; 5's last event is 45 minutes ago
    expect(result.discrepancies.map((d) => `${d.kind}:${d.orderId}`)).toEqual(['missing:2', 'orphan:5']);
  });

  it('writes JSON and CSV with ages at the run', async () => {
    const result = await run();
    const json = JSON.parse(renderReconcileJson(result)) as { window: unknown; counts: unknown; discrepancies: { order_id: string; since: string; age_seconds: number }[] };
    expect(json.window).toEqual({ from: '2031-03-10T11:00:00.000Z', to: '2031-03-10T12:00:00.000Z' });
    expect(json.discrepancies[0]).toEqual({ kind: 'missing', order_id: '2', tracker_state: null, sources: [{ source: 'shop', value: 'NEW', state: 'placed' }], since: '2031-03-10T11:20:00.000Z', age_seconds: 2400, event_ids: [] });
    expect(renderReconcileCsv(result).split('\r\n').slice(0, 3)).toEqual([
      'kind,order_id,tracker_state,sources,source_values,source_states,since,age_seconds,event_ids',
      'missing,2,,shop,NEW,placed,2031-03-10T11:20:00.000Z,2400,',
      'orphan,5,placed,,,,2031-03-10T11:15:00.000Z,2700,',
    ]);
  });

  it('adds a Reconciliation section to the latency report only when given one', async () => {
    const result = await run();
    const report = await buildLatencyReport(embedded.db, model, result.window, { now: NOW_MS * 1000 });
    const page = renderHtml(report, { reconciliation: reconciliationCard(result) });
    expect(page).toContain('<h2>Reconciliation</h2>');
    expect(page).toContain('1 missing (a source has it, the tracker never saw it), 1 orphan (the tracker has it, no source does), 1 diverged (the states differ past the grace period), 1 duplicated (one step reported by two sources)');
    expect(page).toContain('shop: DONE (shipped)');
    expect(renderHtml(report)).not.toContain('Reconciliation');
  });

  it('the tracker\'s job exports the last run per kind and counts runs', async () => {
    const registry = new Registry();
    const metrics = new ReconcileMetrics(registry);
    const config = loadConfig({ env: {}, overrides: { tracker: { reconcileIntervalMs: 60_000 }, reconcile: { sources: [SOURCE], windowMs: 3_600_000 } } });
    const job = createReconcileJob({ config, store: embedded.db, metrics, logger: silentLogger(), now: () => NOW_MS, openReader: async (t) => readerOn(embedded.db, t) });
    const result = await job.runOnce();
    await job.close();
    expect(countByKind(result.discrepancies)).toEqual({ missing: 1, orphan: 1, diverged: 1, duplicated: 1 });
    expect(await metricValue(registry, 'orderscope_reconcile_orders', { kind: 'diverged' })).toBe(1);
    expect(await metricValue(registry, 'orderscope_reconcile_runs_total', { result: 'ok' })).toBe(1);
    expect(await metricValue(registry, 'orderscope_reconcile_runs_total', { result: 'failed' })).toBe(0);
  });

  it('names the source and its setting in configuration errors, never the URL', () => {
    expect(() => sourceTables([{ ...SOURCE, url: undefined, urlEnv: 'SHOP_DB_URL' }], {})).toThrow(
      'reconcile.sources[0].urlEnv (source shop): the environment variable SHOP_DB_URL is not set; set it to the source database\'s postgres:// URL',
    );
    expect(() => sourceTables([{ ...SOURCE, map: ['NEW'] }])).toThrow('reconcile.sources[0].map (source shop): "NEW" is not value=state (e.g. --map NEW=placed,QUOTE=quote_requested)');
    expect(() => createReconcileJob({ config: loadConfig({ env: { ORDERSCOPE_TRACKER_RECONCILE_INTERVAL_MS: '1000' } }), store: embedded.db, metrics: new ReconcileMetrics(new Registry()), logger: silentLogger() })).toThrow(
      /reconcile.sources lists no source table/,
    );
    expect(shop.where).toBe('shop-db:5432/shop');
  });
});
