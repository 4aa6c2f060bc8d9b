import { derivedName, parseTableName, quoteIdent, quoteLiteral, type TableName } from './identifiers';

/** The NOTIFY channel of the capture triggers; the payload is the table whose row changed. */
export const NOTIFY_CHANNEL = 'orderscope_outbox';
/** The name of the trigger on a captured table (one per table). */
export const TRIGGER_NAME = 'orderscope_capture';

/** What to capture: which table, which columns, and into which outbox. */
export interface CaptureSpec {
  readonly table: TableName;
  /** The column that holds the order id (any type; stored as text). */
  readonly idColumn: string;
  /** The column whose changes are order state changes (any type; stored as text). */
  readonly stateColumn: string;
  /** Extra columns copied into the event's attributes, by attribute name. */
  readonly attributes: readonly { readonly name: string; readonly column: string }[];
  readonly outbox: TableName;
}

/** The dead-letter table of an outbox: `<outbox>_dead_letter`, beside it. */
export function deadLetterTable(outbox: TableName): TableName {
  return parseTableName([outbox.schema, `${outbox.table}_dead_letter`].filter((p) => p !== undefined).join('.'));
}

/** The trigger function of a captured table, in the table's schema. */
export function captureFunction(table: TableName): string {
  const name = quoteIdent(derivedName('orderscope_capture', ...[table.schema, table.table].filter((p): p is string => p !== undefined)));
  return table.schema === undefined ? name : `${quoteIdent(table.schema)}.${name}`;
}

/**
 * The statements that install the capture, each idempotent (IF NOT EXISTS, CREATE OR REPLACE), so
 * that every sidecar start runs them and a changed configuration (columns, attributes) replaces the
 * old function. They run in one transaction; CREATE OR REPLACE TRIGGER needs PostgreSQL 14.
 *
 * The trigger runs in the transaction that changes the state: the outbox row exists if and only if
 * the change committed, and occurred_at is the clock at the change (clock_timestamp()).
 */
export function installStatements(spec: CaptureSpec): string[] {
  const outbox = spec.outbox.sql;
  const dead = deadLetterTable(spec.outbox).sql;
  const state = `NEW.${quoteIdent(spec.stateColumn)}`;
  const attributes =
    spec.attributes.length === 0
      ? `'{}'::jsonb`
      : `jsonb_build_object(${spec.attributes.map((a) => `${quoteLiteral(a.name)}, NEW.${quoteIdent(a.column)}`).join(', ')})`;
  const source = quoteLiteral(spec.table.text);
  return [
    `CREATE TABLE IF NOT EXISTS ${outbox} (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_table text NOT NULL,
  order_id text NOT NULL,
  state_value text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb
)`,
    // The drain's claim (outbox-store.ts): which round holds the row, and until when. Added apart from
    // CREATE TABLE so that an outbox made by an earlier version gets them too (nullable: no rewrite).
    `ALTER TABLE ${outbox} ADD COLUMN IF NOT EXISTS claim_token uuid, ADD COLUMN IF NOT EXISTS claimed_until timestamptz`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(derivedName(spec.outbox.table, 'source_table_id'))} ON ${outbox} (source_table, id)`,
    `CREATE TABLE IF NOT EXISTS ${dead} (
  id bigserial PRIMARY KEY,
  outbox_id bigint NOT NULL,
  event_id uuid NOT NULL,
  source_table text NOT NULL,
  order_id text NOT NULL,
  state_value text NOT NULL,
  occurred_at timestamptz NOT NULL,
  attributes jsonb NOT NULL,
  reason text NOT NULL,
  dead_lettered_at timestamptz NOT NULL DEFAULT now()
)`,
    `CREATE OR REPLACE FUNCTION ${captureFunction(spec.table)}() RETURNS trigger LANGUAGE plpgsql AS $orderscope$
BEGIN
  -- Written by orderscope agent pg-outbox: records each state change of ${spec.table.text} in ${spec.outbox.text}.
  -- An UPDATE that leaves the state as it was is no state change; a NULL state is no state.
  IF ${state} IS NULL OR (TG_OP = 'UPDATE' AND ${state} IS NOT DISTINCT FROM OLD.${quoteIdent(spec.stateColumn)}) THEN
    RETURN NULL;
  END IF;
  INSERT INTO ${outbox} (source_table, order_id, state_value, attributes)
  VALUES (${source}, NEW.${quoteIdent(spec.idColumn)}::text, ${state}::text, ${attributes});
  PERFORM pg_notify(${quoteLiteral(NOTIFY_CHANNEL)}, ${source});
  RETURN NULL;
END
$orderscope$`,
    `CREATE OR REPLACE TRIGGER ${TRIGGER_NAME} AFTER INSERT OR UPDATE OF ${quoteIdent(spec.stateColumn)} ON ${spec.table.sql} FOR EACH ROW EXECUTE FUNCTION ${captureFunction(spec.table)}()`,
  ];
}

/** Removes the trigger and its function; the outbox tables stay (they may hold undelivered rows). */
export function uninstallStatements(table: TableName): string[] {
  return [`DROP TRIGGER IF EXISTS ${TRIGGER_NAME} ON ${table.sql}`, `DROP FUNCTION IF EXISTS ${captureFunction(table)}()`];
}
