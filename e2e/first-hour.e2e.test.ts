import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_FAULT_ATTRIBUTE } from '../cli/demo-plan';
import { freePort } from '../common/test/free-port';
import { sleep } from '../common';

/*
 * The first hour of a new user, as the README's Quick start has it: `orderscope up --demo` (what
 * `npm start` runs), every URL its banner prints, Ctrl-C, a second start on the same data, and the
 * everyday mistakes of a newcomer, each of which must end in one plain sentence and a non-zero exit.
 * The built CLI runs in child processes, as a user runs it (no terminal: logs on stdout).
 */

jest.setTimeout(300_000);

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const root = mkdtempSync(path.join(tmpdir(), 'orderscope-first-hour-'));
const dataDir = path.join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `orderscope up` in a child process, with what it printed so far. */
function up(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, 'up', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => output,
    exited,
    /** Resolves with the banner once it is printed; rejects with the output if the process ends first. */
    banner: async (): Promise<string> => {
      for (;;) {
        const at = output.indexOf('orderscope is up');
        if (at >= 0 && output.indexOf('\nTry:', at) >= 0) return output.slice(at);
        if (child.exitCode !== null) throw new Error(`orderscope up ended (${child.exitCode}) before its banner:\n${output}`);
        await sleep(100);
      }
    },
    /** Ctrl-C, as a user stops it; resolves with the exit code. */
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Runs a CLI command to its end: exit code and what it printed on stderr. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stderr: run.stderr.trim() };
}

const linkOf = (banner: string, label: string) => new RegExp(`^ {2}${label} +(?:POST )?(\\S+)`, 'm').exec(banner)?.[1];

interface OrderTimeline {
  order_id: string;
  events: { attributes: Record<string, unknown> }[];
  status_history: { to_status: string }[];
}

describe('the first hour of a new user', () => {
  let ports: string[];
  let token: string;
  let trackerUrl: string;
  const bearer = () => ({ authorization: `Bearer ${token}` });
  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${trackerUrl}${pathAndQuery}`, { headers: bearer() });
    if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    ports = ['--collector-port', String(await freePort()), '--tracker-port', String(await freePort())];
  });

  it('starts with the demo, and every URL of its banner answers as it says', async () => {
    const first = up(['--demo', '--data-dir', dataDir, ...ports]);
    try {
      const banner = await first.banner();
      const home = linkOf(banner, 'home page')!;
      expect(home).toMatch(/\?token=osk_/);
      token = new URL(home).searchParams.get('token')!;
      trackerUrl = new URL(home).origin;
      // The token is printed once: in the home page link, nowhere else.
      expect(first.output().split(token).length - 1).toBe(1);

      const page = await fetch(home);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sign in to orderscope');
      // Each link answers what the banner says it is: a page for a person, or JSON or metrics for a program.
      const kinds = { report: 'text/html', stuck: 'text/html', lost: 'text/html', 'orders API': 'application/json', metrics: 'text/plain' };
      for (const [label, kind] of Object.entries(kinds)) {
        const res = await fetch(linkOf(banner, label)!, { headers: bearer() });
        const body = await res.text();
        expect([label, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([label, 200, kind]);
        expect([label, body.includes('Sign in to orderscope')]).toEqual([label, false]);
      }
      const ingest = linkOf(banner, 'ingest')!;
      expect((await fetch(ingest, { method: 'POST' })).status).toBe(401);

      // Orders flow; leave some in flight at Ctrl-C.
      await waitUntil('demo orders in flight', async () => (await api<{ orders: unknown[] }>('/v1/orders?status=open&limit=5')).orders.length >= 3);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('starts again on the same data: no order lands on a finished one, none is lost or stuck because of the restart', async () => {
    const second = up(['--demo', '--data-dir', dataDir, ...ports]);
    try {
      const banner = await second.banner();
      expect(banner).not.toContain(token);
      expect(linkOf(banner, 'home page')).toBe(`${trackerUrl}/`);

      // Long enough for every demo state's SLA to pass for the orders the restart interrupted (the
      // longest expect_within of the demo model is 15 s), so that a restart-made stuck order would show.
      await sleep(20_000);
      const metrics = await (await fetch(`${trackerUrl}/metrics`)).text();
      const violations = metrics.split('\n').filter((l) => l.startsWith('orderscope_tracker_conformance_violations_total{') && !l.endsWith(' 0'));
      expect(violations).toEqual([]);

      const { orders } = await api<{ orders: { order_id: string }[] }>('/v1/orders?limit=500');
      expect(orders.length).toBeGreaterThan(3);
      const flaggedWithoutReason: string[] = [];
      for (const { order_id } of orders) {
        const timeline = await api<OrderTimeline>(`/v1/orders/${order_id}`);
        const flagged = timeline.status_history.some((c) => c.to_status === 'stuck' || c.to_status === 'lost');
        const meant = timeline.events.some((e) => DEMO_FAULT_ATTRIBUTE in e.attributes);
        if (flagged && !meant) flaggedWithoutReason.push(order_id);
      }
      expect(flaggedWithoutReason).toEqual([]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  describe('everyday mistakes end in one plain sentence and a non-zero exit', () => {
    it('a second up on a data directory in use, and up on busy ports', async () => {
      const running = up(['--demo', '--data-dir', dataDir, ...ports]);
      try {
        await running.banner();
        const again = cli(['up', '--demo', '--data-dir', dataDir, ...ports]);
        expect(again.status).toBe(1);
        expect(again.stderr).toMatch(new RegExp(`^orderscope: the directory ${dataDir} is in use by process \\d+; is it another orderscope up\\? Stop it, or pass --data-dir to use another directory$`));
        const busy = cli(['up', '--demo', '--data-dir', path.join(root, 'other'), ...ports]);
        expect(busy.status).toBe(1);
        expect(busy.stderr).toMatch(/^orderscope: cannot listen on 127\.0\.0\.1:\d+: another process listens there already \(another orderscope\?\); stop it, or choose another port: --tracker-port, or tracker\.port \(ORDERSCOPE_TRACKER_PORT\)$/);
      } finally {
        expect(await running.stop()).toBe(0);
      }
    });

    it('up without --demo on the demo\'s data', () => {
      const other = cli(['up', '--data-dir', dataDir, ...ports]);
      expect(other.status).toBe(1);
      expect(other.stderr).toBe(
        `orderscope: the data directory ${dataDir} holds the data of model "demo", and this start uses model "default"; start with the same model (orderscope up --demo for the demo's), or pass --data-dir with another directory for this one`,
      );
    });

    it('replay of a missing file, of a directory, and to a collector that is down', async () => {
      expect(cli(['replay', 'nothing.ndjson', '--token', 'x'])).toEqual({ status: 1, stderr: 'orderscope: cannot replay nothing.ndjson: there is no such file' });
      expect(cli(['replay', root, '--token', 'x'])).toEqual({ status: 1, stderr: `orderscope: cannot replay ${root}: it is a directory, not a file of events (one JSON event per line)` });
      const file = path.join(root, 'events.ndjson');
      writeFileSync(file, `${JSON.stringify({ schema_version: 1, event_id: '00000000-0000-4000-8000-000000000001', order_id: 'R-1', source: 'shop', state: 'placed', occurred_at: '2030-01-01T00:00:00Z' })}\n`);
      const down = await freePort();
      const replay = cli(['replay', file, '--token', 'x', '--collector', `http://127.0.0.1:${down}`]);
      expect(replay.status).toBe(1);
      expect(replay.stderr).toContain(
        `orderscope: cannot reach the collector at http://127.0.0.1:${down}: nothing accepts connections there (connection refused); is it running? Start it (orderscope up), or pass --collector with its URL; events accepted before this stay, and running the replay again counts none twice`,
      );
    });

    it('report beside up without --tracker, and report to a file of an unknown format', async () => {
      const beside = path.join(root, 'beside');
      mkdirSync(path.join(beside, '.orderscope'), { recursive: true });
      writeFileSync(path.join(beside, '.orderscope', 'token'), 'osk_x\n');
      const down = await freePort();
      const report = spawnSync(process.execPath, [CLI, 'report'], { cwd: beside, env: { ...process.env, ORDERSCOPE_POSTGRES_URL: `postgres://root@127.0.0.1:${down}/orderscope` }, encoding: 'utf8' });
      expect(report.status).toBe(1);
      expect(report.stderr.trim()).toMatch(/If you run orderscope up, its data is in \.orderscope, which only its tracker reads: orderscope report --tracker http:\/\/127\.0\.0\.1:7401 --token "\$\(cat \.orderscope\/token\)"$/);
      expect(cli(['report', '-o', 'x.pdf'])).toEqual({ status: 1, stderr: 'orderscope: --out x.pdf: ".pdf" is not a report format; name the file .html, .csv or .json, or pass --format' });
      expect(existsSync(path.join(root, 'x.pdf'))).toBe(false);
    });
  });
});


async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
