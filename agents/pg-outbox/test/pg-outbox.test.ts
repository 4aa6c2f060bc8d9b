import { Registry } from 'prom-client';
import { ConfigError, silentLogger } from '../../../common';
import { PgOutboxSidecar } from '..';
import { planDrain, settleDrain, type OutboxRow } from '../drain-plan';
import { captureFunction, deadLetterTable, installStatements } from '../sql/capture-sql';
import { derivedName, parseTableName, quoteIdent } from '../sql/identifiers';
import { ValueMap } from '../value-map';

describe('mapping state column values to states', () => {
  const map = ValueMap.parse(['NEW=placed,QUOTE=quote_requested', 'PRICING = pricing'], ['DRAFT, ARCHIVED']);

  it('maps configured values, ignores listed ones and reports the rest as unmapped', () => {
    expect(map.resolve('NEW')).toEqual({ kind: 'state', state: 'placed' });
    expect(map.resolve('PRICING')).toEqual({ kind: 'state', state: 'pricing' });
    expect(map.resolve('DRAFT')).toEqual({ kind: 'ignored' });
    expect(map.resolve('ARCHIVED')).toEqual({ kind: 'ignored' });
    expect(map.resolve('new')).toEqual({ kind: 'unmapped' });
    expect(map.describe()).toBe('NEW=placed, QUOTE=quote_requested, PRICING=pricing; ignored: DRAFT, ARCHIVED');
  });

  it('uses the values as state names when there is no map', () => {
    expect(ValueMap.parse([]).resolve('quoted')).toEqual({ kind: 'state', state: 'quoted' });
  });

  it.each([
    [['NEW'], [], '--map: "NEW" is not value=state (e.g. --map NEW=placed,QUOTE=quote_requested)'],
    [['=placed'], [], '--map: "=placed" is not value=state'],
    [[`NEW=${'p'.repeat(201)}`], [], `--map: "${'p'.repeat(201)}" (for "NEW") cannot be a state: must be at most 200 characters`],
    [['NEW=placed,NEW=quoted'], [], '--map: "NEW" is mapped twice, to "placed" and to "quoted"'],
    [['NEW=placed'], ['NEW'], '"NEW" is both mapped (--map) and ignored (--ignore)'],
  ])('refuses %j (ignore %j) with what to fix', (specs, ignore, message) => {
    expect(() => ValueMap.parse(specs, ignore)).toThrow(ConfigError);
    expect(() => ValueMap.parse(specs, ignore)).toThrow(message);
  });
});

describe('planning a drain round', () => {
  const at = new Date('2026-11-26T10:15:00.123Z');
  const row = (id: string, value: string, attributes: Record<string, unknown> = {}): OutboxRow => ({
    id,
    event_id: `00000000-0000-4000-8000-${id.padStart(12, '0')}`,
    order_id: `SO-${id}`,
    state_value: value,
    occurred_at: at,
    attributes,
  });
  const map = ValueMap.parse(['NEW=placed,QUOTE=quote_requested'], ['DRAFT']);

  it('turns mapped rows into events with the SQL-generated event_id and the outbox id as seq', () => {
    const plan = planDrain([row('7', 'NEW', { segment: 'b2b' }), row('8', 'DRAFT'), row('9', 'LOST'), row('10', 'QUOTE'), row('11', 'LOST')], map, 'shop');
    expect(plan.events).toEqual([
      { schema_version: 1, event_id: '00000000-0000-4000-8000-000000000007', order_id: 'SO-7', source: 'shop', state: 'placed', occurred_at: '2026-11-26T10:15:00.123Z', seq: 7, attributes: { segment: 'b2b' } },
      { schema_version: 1, event_id: '00000000-0000-4000-8000-000000000010', order_id: 'SO-10', source: 'shop', state: 'quote_requested', occurred_at: '2026-11-26T10:15:00.123Z', seq: 10, attributes: {} },
    ]);
    expect(plan.eventRowIds).toEqual(['7', '10']);
    expect(plan.ignoredRowIds).toEqual(['8']);
    expect(plan.unmapped.map((d) => d.id)).toEqual(['9', '11']);
    expect(plan.unmapped[0]!.detail).toBe('unmapped value "LOST": add it to --map (or to --ignore), then redrive the row');
    expect(plan.unmappedValues).toEqual(['LOST']);
  });

  it('after the 202, deletes accepted and ignored rows and dead-letters unmapped and rejected ones', () => {
    const plan = planDrain([row('1', 'NEW'), row('2', 'QUOTE'), row('3', 'DRAFT'), row('4', 'LOST')], map, 'shop');
    const decision = settleDrain(plan, { accepted: 1, rejected: [{ index: 1, error: 'order_id: must be at most 128 characters' }] });
    expect(decision.deleteIds.sort()).toEqual(['1', '3']);
    expect(decision.deadLetters).toEqual([
      { id: '4', reason: 'unmapped', detail: 'unmapped value "LOST": add it to --map (or to --ignore), then redrive the row' },
      { id: '2', reason: 'rejected', detail: 'rejected by the collector: order_id: must be at most 128 characters' },
    ]);
  });
});

describe('the capture SQL', () => {
  it('quotes every name, so that no table or column name can inject SQL', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(parseTableName('sales.Orders')).toEqual({ schema: 'sales', table: 'Orders', sql: '"sales"."Orders"', text: 'sales.Orders' });
    expect(() => parseTableName('a.b.c')).toThrow('--table: "a.b.c" is not a table name (write table or schema.table)');
  });

  it('derives names that fit PostgreSQL and do not collide when cut', () => {
    expect(derivedName('orderscope_capture', 'orders')).toBe('orderscope_capture_orders');
    const long = derivedName('orderscope_capture', 'x'.repeat(80));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(derivedName('orderscope_capture', 'Orders')).not.toBe(derivedName('orderscope_capture', 'orders'));
    expect(captureFunction(parseTableName('sales.orders'))).toBe('"sales"."orderscope_capture_sales_orders"');
    expect(deadLetterTable(parseTableName('ops.outbox')).sql).toBe('"ops"."outbox_dead_letter"');
  });

  it('captures inserts and changes of the state column only, in the same transaction, with the configured attributes', () => {
    const statements = installStatements({
      table: parseTableName('orders'),
      idColumn: 'id',
      stateColumn: 'status',
      attributes: [{ name: 'segment', column: 'customer_segment' }],
      outbox: parseTableName('orderscope_outbox'),
    });
    const fn = statements.find((s) => s.startsWith('CREATE OR REPLACE FUNCTION'))!;
    expect(fn).toContain(`IF NEW."status" IS NULL OR (TG_OP = 'UPDATE' AND NEW."status" IS NOT DISTINCT FROM OLD."status") THEN`);
    expect(fn).toContain(`VALUES ('orders', NEW."id"::text, NEW."status"::text, jsonb_build_object('segment', NEW."customer_segment"));`);
    expect(fn).toContain(`PERFORM pg_notify('orderscope_outbox', 'orders');`);
    expect(statements.at(-1)).toBe(
      'CREATE OR REPLACE TRIGGER orderscope_capture AFTER INSERT OR UPDATE OF "status" ON "orders" FOR EACH ROW EXECUTE FUNCTION "orderscope_capture_orders"()',
    );
    // The drain's claim columns, added to an outbox an earlier version made too.
    expect(statements).toContain('ALTER TABLE "orderscope_outbox" ADD COLUMN IF NOT EXISTS claim_token uuid, ADD COLUMN IF NOT EXISTS claimed_until timestamptz');
    expect(statements.every((s) => /^(CREATE (TABLE IF NOT EXISTS|INDEX IF NOT EXISTS|OR REPLACE)|ALTER TABLE \S+ ADD COLUMN IF NOT EXISTS)/.test(s))).toBe(true);
  });
});

describe('--attribute', () => {
  // The constructor validates before it creates anything: no database is needed to be refused.
  const sidecar = (attributes: string[]) =>
    new PgOutboxSidecar({
      databaseUrl: 'postgres://127.0.0.1:1/none', table: 'orders', idColumn: 'id', stateColumn: 'status', source: 'shop', attributes,
      collectorUrl: 'http://127.0.0.1:1', token: 'unused', logger: silentLogger(), registry: new Registry(),
    });

  it.each([['two words'], ['segment='], ['=customer_segment'], ['segment,bad name']])('refuses %j, saying what a spec looks like', (spec) => {
    const bad = spec.split(',').at(-1)!;
    expect(() => sidecar([spec])).toThrow(ConfigError);
    expect(() => sidecar([spec])).toThrow(`--attribute: "${bad}" is not name or name=column with a valid attribute name (letters, digits, "_", "." or "-", at most 64 characters)`);
  });

  it('refuses more columns than an event may carry attributes', () => {
    const columns = Array.from({ length: 33 }, (_, i) => `c${i}`);
    expect(() => sidecar([columns.join(',')])).toThrow('--attribute: at most 32 attributes');
  });
});
