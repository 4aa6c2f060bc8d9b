import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../common';
import { seededRandom } from '../common/test/seeded-random';
import { DEMO_MODEL_PATH, loadModelFile, type OrderEventInput } from '../events';
import { DemoFeed } from './demo-feed';

const model = loadModelFile(DEMO_MODEL_PATH);
const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);

/** A collector that keeps what it was sent, and lets a test wait for the first post. */
function recordingClient() {
  const posts: OrderEventInput[][] = [];
  let first: () => void = () => {};
  const posted = new Promise<void>((resolve) => (first = resolve));
  return {
    posts,
    posted,
    post: async (events: readonly OrderEventInput[]) => {
      posts.push([...events]);
      first();
      return { accepted: events.length, rejected: [] };
    },
  };
}

describe('the demo feed', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'demo-feed-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('continues its order numbers and its orders in flight after a restart, with every event at its planned time', async () => {
    const stateFile = path.join(dir, 'demo-feed.json');
    let now = T0;
    const first = recordingClient();
    const random = seededRandom(11).next;
    const feed = new DemoFeed({ client: first, model, logger: silentLogger(), stateFile, now: () => now, random });
    feed.start();
    await first.posted;
    await feed.close();
    const placed = first.posts.flat();
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.every((e) => e.state === 'placed' && e.occurred_at === new Date(T0).toISOString())).toBe(true);

    // Down for ten minutes: every demo state's limits have passed, so the orders' later events are all due.
    now = T0 + 600_000;
    const second = recordingClient();
    const resumed = new DemoFeed({ client: second, model, logger: silentLogger(), stateFile, now: () => now, random });
    const backlog = await resumed.resume();
    const late = second.posts.flat();
    expect(backlog).toEqual({ orders: placed.length, posted: late.length });
    // The same orders go on from where they were, in time order, each event once, none after now.
    expect(new Set(late.map((e) => e.order_id))).toEqual(new Set(placed.map((e) => e.order_id)));
    expect(late.some((e) => placed.some((p) => p.event_id === e.event_id))).toBe(false);
    const times = late.map((e) => Date.parse(e.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((t) => t > T0 && t <= now)).toBe(true);

    // New orders continue the numbering instead of starting again at DEMO-000001.
    resumed.start();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (second.posts.length > 1) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    await resumed.close();
    const highest = Math.max(...placed.map((e) => Number(e.order_id.slice('DEMO-'.length))));
    const newer = second.posts.slice(1).flat().filter((e) => e.state === 'placed');
    expect(newer[0]!.order_id).toBe(`DEMO-${String(highest + 1).padStart(6, '0')}`);
  });

  it('starts afresh without a state file', async () => {
    const feed = new DemoFeed({ client: recordingClient(), model, logger: silentLogger(), stateFile: path.join(dir, 'none.json') });
    expect(await feed.resume()).toEqual({ orders: 0, posted: 0 });
  });
});
