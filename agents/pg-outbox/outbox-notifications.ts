import { Client } from 'pg';
import { sleep, describeError, type Logger } from '../../common';
import { quoteIdent } from './sql/identifiers';

/**
 * LISTENs for the capture trigger's NOTIFY on a dedicated connection and calls `onNotify` for each
 * one about `sourceTable`. It is only a latency optimisation: when the connection is lost it
 * reconnects in the background, and the drain's polling interval covers the gap.
 */
export class OutboxNotifications {
  private client: Client | undefined;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: { databaseUrl: string; channel: string; sourceTable: string; onNotify: () => void; logger: Logger; reconnectDelayMs?: number },
  ) {}

  start(): void {
    this.running ??= this.keepListening();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.client?.end().catch(() => undefined);
    await this.running;
  }

  private async keepListening(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const lost = await this.listen();
        await lost;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        this.options.logger.warn({ error: describeError(err) }, 'not listening for outbox notifications; polling until the connection is back');
      }
      await sleep(this.options.reconnectDelayMs ?? 2000, this.stop.signal).catch(() => undefined);
    }
  }

  /** Connects and LISTENs; resolves with a promise that settles when the connection is lost. */
  private async listen(): Promise<Promise<void>> {
    const client = new Client({ connectionString: this.options.databaseUrl });
    this.client = client;
    // 'on', not 'once': an EventEmitter 'error' without a listener would crash the process.
    const lost = new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.once('end', resolve);
    });
    // The 'error' of a failed connect is also the connect() rejection; this keeps it from being unhandled.
    lost.catch(() => undefined);
    await client.connect();
    client.on('notification', (message) => {
      if (message.payload === this.options.sourceTable) this.options.onNotify();
    });
    await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    // Changes committed before LISTEN took effect sent no notification we could see.
    this.options.onNotify();
    return lost;
  }
}
