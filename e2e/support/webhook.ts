import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One alert of an Alertmanager webhook notification (version 4 of its payload). */
export interface NotifiedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** An Alertmanager webhook notification, with the path it was posted to (the receiver's URL). */
export interface Notification {
  readonly path: string;
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly NotifiedAlert[];
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
}

/** The on-call end of the pipeline: an HTTP server that keeps every notification posted to it. */
export interface WebhookReceiver {
  readonly url: string;
  readonly notifications: readonly Notification[];
  /** Resolves with the first notification (already received or to come) that `match` accepts. */
  waitFor(match: (n: Notification) => boolean, timeoutMs: number, what: string): Promise<Notification>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: Notification[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        notifications.push({ ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Notification, 'path'>), path: req.url ?? '' });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    waitFor: (match, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = notifications.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; the webhook received: ${JSON.stringify(notifications.map((n) => ({ path: n.path, status: n.status, alerts: n.alerts.map((a) => [a.status, a.labels.alertname, a.labels.state]) })))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
