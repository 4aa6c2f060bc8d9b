import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { OrderscopeError, ValidationError } from '../../common';
import { askTracker, trackerApi, type TrackerApi } from '../tracker-api';

/** A dead letter as the tracker's API shows it. */
interface Letter {
  id: number;
  status: string;
  reason: string;
  error: string;
  event_id: string | null;
  order_id: string | null;
  origin: Record<string, unknown>;
  attempts: number;
  first_failed_at: string;
  last_failed_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  raw?: string | null;
  raw_base64?: string;
}

interface ApiOptions {
  tracker?: string;
  token?: string;
}

const API_OPTIONS_HELP = `
The commands ask a running tracker: --tracker (default http://127.0.0.1:7401) with --token or
$ORDERSCOPE_TOKEN; list and show need the read scope, retry and drop the admin scope too.`;

/** `orderscope dead-letters`: the events the tracker set aside because it cannot apply them. */
export function registerDeadLetters(program: Command): void {
  const group = program
    .command('dead-letters')
    .description('List, inspect, retry or drop the events the tracker set aside because it cannot apply them (dead letters).')
    .addHelpText(
      'after',
      `
An event the tracker can never apply as it is (a value the database refuses, a broken constraint, a
message on the topic that is not an order event) is kept in its dead_letters table, so that the events
beside it and its Kafka partition go on. Each letter keeps the raw event, the error and where it came
from (topic/partition/offset). Fix the cause (the producer, the model, the schema), then retry it; or
drop it on purpose. A retry that fails again keeps it parked and counts the attempt.
${API_OPTIONS_HELP}

Examples:
  orderscope dead-letters list --status parked
  orderscope dead-letters show 42
  orderscope dead-letters retry 42 43
  orderscope dead-letters retry --all --reason constraint_violation
  orderscope dead-letters drop 44`,
    );

  withApiOptions(group.command('list'))
    .description('List dead letters, newest first.')
    .option('--status <status>', 'parked | retried | dropped (default: all)')
    .option('--reason <reason>', 'not_json | invalid_event | data_exception | constraint_violation | apply_failed')
    .option('--limit <n>', 'at most this many (default 50, up to 500)')
    .option('--json', 'print the API\'s JSON instead of a table')
    .action(async (opts: ApiOptions & { status?: string; reason?: string; limit?: string; json?: boolean }) => {
      const api = trackerApi(opts, 'read');
      const query = new URLSearchParams();
      for (const key of ['status', 'reason', 'limit'] as const) if (opts[key] !== undefined) query.set(key, opts[key]!);
      const text = await askTracker(api, `/v1/dead-letters?${query}`);
      if (opts.json) return void process.stdout.write(`${text}\n`);
      const { dead_letters: letters, next_cursor: next } = JSON.parse(text) as { dead_letters: Letter[]; next_cursor: string | null };
      process.stdout.write(letterTable(letters));
      if (next !== null) process.stdout.write(`(more: use --limit, or GET /v1/dead-letters?cursor=${next})\n`);
    });

  withApiOptions(group.command('show'))
    .description('Show one dead letter: the error, its origin and the raw event.')
    .argument('<id>', 'the letter\'s id, as list shows it')
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, opts: ApiOptions & { json?: boolean }) => {
      const text = await askTracker(trackerApi(opts, 'read'), `/v1/dead-letters/${letterId(id)}`);
      process.stdout.write(opts.json ? `${text}\n` : describeLetter(JSON.parse(text) as Letter));
    });

  withApiOptions(group.command('retry'))
    .description('Apply dead letters again, after the cause was fixed (admin scope).')
    .argument('[ids...]', 'the letters to retry')
    .option('--all', 'every parked letter (with --reason: of that reason)')
    .option('--reason <reason>', 'with --all: only letters of this reason')
    .action(async (ids: string[], opts: ApiOptions & { all?: boolean; reason?: string }) => {
      const api = trackerApi(opts, 'admin');
      if (!opts.all && opts.reason !== undefined) throw new ValidationError('--reason goes with --all');
      if (opts.all && ids.length > 0) throw new ValidationError('give ids or --all, not both');
      const targets = opts.all ? await parkedIds(api, opts.reason) : ids.map(letterId);
      if (targets.length === 0) throw new ValidationError(opts.all ? 'no parked dead letter to retry' : 'name the letters to retry (orderscope dead-letters retry 42), or pass --all');
      await resolveEach(api, targets, 'retry');
    });

  withApiOptions(group.command('drop'))
    .description('Discard dead letters on purpose; who and when is recorded (admin scope).')
    .argument('<ids...>', 'the letters to drop')
    .action(async (ids: string[], opts: ApiOptions) => {
      await resolveEach(trackerApi(opts, 'admin'), ids.map(letterId), 'drop');
    });
}

function withApiOptions(command: Command): Command {
  return command
    .option('--tracker <url>', 'the tracker (default: http://127.0.0.1:7401)')
    .option('--token <token>', 'an API token (default: $ORDERSCOPE_TOKEN)')
    .addHelpText('after', API_OPTIONS_HELP);
}

function letterId(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new ValidationError(`"${text}" is not a dead letter id (a whole number, as list shows it)`);
  return Number(text);
}

/** Every parked letter's id (of `reason`), following the pages. */
async function parkedIds(api: TrackerApi, reason: string | undefined): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ status: 'parked', limit: '500', ...(reason !== undefined && { reason }), ...(cursor !== null && { cursor }) });
    const page = JSON.parse(await askTracker(api, `/v1/dead-letters?${query}`)) as { dead_letters: Letter[]; next_cursor: string | null };
    ids.push(...page.dead_letters.map((l) => l.id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ids;
}

/**
 * Retries or drops each letter in turn, with a progress bar when there are many, and a line per
 * letter that did not go through. Fails (exit 1) when any did not.
 */
async function resolveEach(api: TrackerApi, ids: readonly number[], action: 'retry' | 'drop'): Promise<void> {
  const bar = ids.length > 1 ? new SingleBar({ format: `${action} [{bar}] {value}/{total}`, hideCursor: true, stream: process.stderr }, Presets.shades_classic) : undefined;
  bar?.start(ids.length, 0);
  const failed: string[] = [];
  for (const id of ids) {
    try {
      await askTracker(api, `/v1/dead-letters/${id}/${action}`, 'POST');
    } catch (err) {
      if (!(err instanceof OrderscopeError) || err.retriable) throw err;
      failed.push(`  ${id}: ${err.message}`);
    }
    bar?.increment();
  }
  bar?.stop();
  const done = ids.length - failed.length;
  console.error(`${action === 'retry' ? 'retried and applied' : 'dropped'} ${done} of ${ids.length} dead letter${ids.length === 1 ? '' : 's'}`);
  if (failed.length > 0) throw new OrderscopeError(`${failed.length} did not go through:\n${failed.join('\n')}`, { code: 'dead_letters_left' });
}

function letterTable(letters: readonly Letter[]): string {
  if (letters.length === 0) return 'no dead letters\n';
  const rows = [['ID', 'STATUS', 'REASON', 'ORDER', 'ATTEMPTS', 'LAST FAILED', 'ERROR']];
  for (const l of letters) rows.push([String(l.id), l.status, l.reason, l.order_id ?? '-', String(l.attempts), l.last_failed_at, clip(l.error, 80)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function describeLetter(l: Letter): string {
  const lines = [
    `dead letter ${l.id}: ${l.status}${l.resolved_by ? ` by ${l.resolved_by} at ${l.resolved_at}` : ''}`,
    `reason:      ${l.reason}`,
    `error:       ${l.error}`,
    `order:       ${l.order_id ?? '-'}   event: ${l.event_id ?? '-'}`,
    `origin:      ${JSON.stringify(l.origin)}`,
    `attempts:    ${l.attempts} (first failed ${l.first_failed_at}, last ${l.last_failed_at})`,
    l.raw !== null && l.raw !== undefined ? `raw:\n${l.raw}` : `raw (not UTF-8, base64):\n${l.raw_base64 ?? ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
