import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { InProcessBus } from '../../bus';
import { hashToken, loadConfig, silentLogger, sleep } from '../../common';
import type { OrderEvent } from '../../events';
import { createCollector, type Collector } from '../../collector';

/** The ingest token of the test collector (its hash is configured, allowed for every source). */
export const TEST_TOKEN = 'agents-int-test-token-4c1d9e';

/**
 * A real collector (createCollector on an InProcessBus) whose subscriber records every event it
 * receives, with how many times each event_id arrived. It can be stopped and started again on the
 * same port, like a collector that goes down and comes back.
 */
export class RecordingCollector {
  /** event_id -> deliveries; more than 1 is a transport duplicate (allowed: at-least-once). */
  readonly deliveries = new Map<string, number>();
  /** The first delivery of each event, in arrival order. */
  readonly events: OrderEvent[] = [];
  private readonly bus = new InProcessBus();
  private collector: Collector | undefined;
  private port = 0;
  private held: Promise<void> = Promise.resolve();
  private releaseHeld: () => void = () => {};

  /**
   * @param holdAfter once this many distinct events arrived, every later batch waits (unanswered)
   *   until {@link release}: a test can then act "in the middle" however fast the sender is.
   * @param stallAfter like holdAfter, but the batch is recorded first and its answer withheld: the
   *   events arrived, and the sender does not know it (a crash "after the post, before the answer").
   */
  static async start(options: { holdAfter?: number; stallAfter?: number } = {}): Promise<RecordingCollector> {
    const recorder = new RecordingCollector();
    const holdAt = options.holdAfter ?? options.stallAfter;
    if (holdAt !== undefined) recorder.held = new Promise((r) => (recorder.releaseHeld = r));
    await recorder.bus.start();
    await recorder.bus.subscribe(async (batch) => {
      const hold = holdAt !== undefined && recorder.distinct >= holdAt;
      if (hold && options.holdAfter !== undefined) await recorder.held;
      for (const event of batch) {
        const seen = recorder.deliveries.get(event.event_id) ?? 0;
        if (seen === 0) recorder.events.push(event);
        recorder.deliveries.set(event.event_id, seen + 1);
      }
      if (hold && options.stallAfter !== undefined) await recorder.held;
    });
    await recorder.listen();
    return recorder;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Distinct event_ids received. */
  get distinct(): number {
    return this.deliveries.size;
  }

  /** Deliveries beyond the first of an event_id. */
  get duplicates(): number {
    let extra = 0;
    for (const n of this.deliveries.values()) extra += n - 1;
    return extra;
  }

  /** Lets the batches held by `holdAfter` through, and every later one. */
  release(): void {
    this.releaseHeld();
  }

  /** Stops serving: connections are refused until {@link restart}. */
  async stop(): Promise<void> {
    await this.collector?.close();
    this.collector = undefined;
  }

  /** Serves again on the same port. */
  async restart(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.release();
    await this.stop();
    await this.bus.close();
  }

  private async listen(): Promise<void> {
    const config = loadConfig({
      env: {},
      overrides: {
        // No heartbeats: the tests count exactly the events their agents sent.
        collector: { host: '127.0.0.1', port: this.port, rateLimitEventsPerSecond: 0, heartbeatIntervalMs: 0 },
        tokens: [{ name: 'agents-int-test', sha256: hashToken(TEST_TOKEN), sources: ['*'], scopes: ['ingest'] }],
      },
    });
    this.collector = createCollector({ config, bus: this.bus, logger: silentLogger() });
    const running = await this.collector.start();
    this.port = Number(new URL(running.url).port);
  }
}

/** A child process running a TypeScript file, with its stdout lines and its IPC messages. */
export class TsChild {
  readonly lines: string[] = [];
  private readonly messages: { type: string; [key: string]: unknown }[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | NodeJS.Signals | null>;

  constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    process.on('message', (message) => {
      this.messages.push(message as { type: string });
      this.wake();
    });
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve(signal ?? code)));
  }

  /** Waits for (and takes) the next IPC message of `type`. */
  async next<T extends Record<string, unknown>>(type: string, timeoutMs = 30_000): Promise<T> {
    await this.until(`a "${type}" message`, () => this.messages.some((m) => m.type === type), timeoutMs);
    const index = this.messages.findIndex((m) => m.type === type);
    return this.messages.splice(index, 1)[0] as unknown as T;
  }

  /** Sends a command and waits for the answer of type `reply`. */
  async ask<T extends Record<string, unknown>>(command: Record<string, unknown>, reply: string, timeoutMs?: number): Promise<T> {
    this.process.send(command);
    return this.next<T>(reply, timeoutMs);
  }

  /** Waits for a stdout line matching `test`. */
  async line(what: string, test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    await this.until(what, () => this.lines.some(test), timeoutMs);
    return this.lines.find(test)!;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    await this.exited;
  }

  private async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`child ${this.process.pid}: no ${what} within ${timeoutMs} ms; last output:\n${this.lines.slice(-10).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}

/**
 * Runs a TypeScript file in a child process with an IPC channel, after `preload` (more files for
 * --require, e.g. agents/node/register.ts). stderr is passed through, so crashes are visible.
 */
export function forkTs(file: string, args: string[] = [], env: Record<string, string> = {}, preload: string[] = []): TsChild {
  const child = fork(file, args, {
    execArgv: ['--require', path.join(__dirname, 'register-ts.js'), ...preload.flatMap((p) => ['--require', p])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new TsChild(child);
}

/** Polls `condition` every 50 ms; fails with `what` and `describe()` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${describe()}`);
    await sleep(50);
  }
}
