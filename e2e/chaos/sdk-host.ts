/**
 * The chaos run's host application of the Node SDK, a child process the run SIGKILLs and starts
 * again. It is driven over IPC: `{ type: 'emit', batch, events }` tracks each event with the id and
 * time the driver chose (so a batch sent again after a kill counts once) and answers
 * `{ type: 'durable', batch }` once agent.flush() says every one is accepted by a collector or in
 * the spool, as an application would before acknowledging its own work.
 * Environment: COLLECTOR_URL, TOKEN, SPOOL_DIR.
 */
import { startAgent } from '../../agents/node';

interface EmitMessage {
  readonly type: 'emit';
  readonly batch: number;
  readonly events: readonly { eventId: string; orderId: string; state: string; occurredAtMs: number }[];
}

const agent = startAgent({
  service: 'shop',
  collectorUrl: process.env.COLLECTOR_URL!,
  token: process.env.TOKEN!,
  spoolDir: process.env.SPOOL_DIR,
  lingerMs: 50,
  retryMinDelayMs: 100,
  retryMaxDelayMs: 2000,
  tracing: { export: false },
});

process.on('message', (message: EmitMessage) => {
  if (message.type !== 'emit') return;
  for (const e of message.events) {
    const id = agent.trackOrder(e.orderId, e.state, undefined, { eventId: e.eventId, occurredAt: new Date(e.occurredAtMs) });
    if (id === undefined) throw new Error(`trackOrder dropped ${e.orderId} ${e.state}`);
  }
  void agent.flush().then(() => process.send?.({ type: 'durable', batch: message.batch }));
});
// Ready once the spool is locked and open: a host that cannot spool must not take work.
void agent.ready().then(() => process.send?.({ type: 'ready' }));
