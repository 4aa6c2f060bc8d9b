import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { replayFile, reasonOf, formatSummary } from './replay';
import type { IngestResult, OrderEventInput } from '../events';

function fileWith(lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'orderscope-replay-')), 'events.jsonl');
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('replay', () => {
  it('posts every event in batches and sums up what was accepted and why the rest was rejected', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => JSON.stringify({ order_id: `o${i}` }));
    lines.splice(3, 0, '{not json', '');
    const batches: string[][] = [];
    const client = {
      post: async (events: readonly OrderEventInput[]): Promise<IngestResult> => {
        batches.push(events.map((e) => e.order_id));
        const bad = events.findIndex((e) => e.order_id === 'o5');
        return { accepted: events.length - (bad >= 0 ? 1 : 0), rejected: bad >= 0 ? [{ index: bad, error: 'occurred_at: is 400 s in the future' }] : [] };
      },
    };
    const progress: number[] = [];
    const summary = await replayFile({ file: fileWith(lines), client, batchSize: 3, concurrency: 1, onProgress: (read) => progress.push(read) });
    expect(batches).toEqual([['o0', 'o1', 'o2'], ['o3', 'o4', 'o5'], ['o6']]);
    expect(summary).toEqual({
      sent: 8,
      accepted: 6,
      rejected: 2,
      rejectedByReason: { 'not JSON': 1, occurred_at: 1 },
      examples: [
        { line: 4, error: 'not JSON' },
        { line: 8, error: 'occurred_at: is 400 s in the future' },
      ],
    });
    expect(formatSummary(summary)).toBe(
      'sent 8, accepted 6, rejected 2\nrejected by reason:\n         1  not JSON\n         1  occurred_at\nfirst rejections:\n  line 4: not JSON\n  line 8: occurred_at: is 400 s in the future',
    );
    expect(progress[progress.length - 1]).toBeGreaterThan(0);
  });

  it('sends every event as history (the backfill mark) only when asked: a backlog of live orders goes as it is', async () => {
    const lines = [JSON.stringify({ order_id: 'old', occurred_at: '2025-06-01T10:59:00Z', attributes: { segment: 'b2b' } }), JSON.stringify({ order_id: 'new', occurred_at: '2025-06-01T11:01:00Z' })];
    const sentWith = async (asHistory: boolean) => {
      const sent: OrderEventInput[] = [];
      const client = { post: async (events: readonly OrderEventInput[]): Promise<IngestResult> => (sent.push(...events), { accepted: events.length, rejected: [] }) };
      await replayFile({ file: fileWith(lines), client, asHistory });
      return sent.map((e) => [e.order_id, e.attributes]);
    };
    expect(await sentWith(false)).toEqual([
      ['old', { segment: 'b2b' }],
      ['new', undefined],
    ]);
    expect(await sentWith(true)).toEqual([
      ['old', { segment: 'b2b', 'orderscope.backfill': true }],
      ['new', { 'orderscope.backfill': true }],
    ]);
  });

  it.each([
    ['order_id: must not be empty', 'order_id'],
    ['attributes.note: must be at most 1024 bytes', 'attributes'],
    ['unknown field "x"', 'unknown field "x"'],
    ['not JSON', 'not JSON'],
  ])('files "%s" under %s', (error, reason) => {
    expect(reasonOf(error)).toBe(reason);
  });
});
