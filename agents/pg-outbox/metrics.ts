import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeadLetterReason } from './drain-plan';

/** Reasons of the dead-letter counter: a value the map does not know, or an event the collector rejected. */
export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['unmapped', 'rejected'];

/** The pg-outbox sidecar's metric catalogue; {@link createPgOutboxMetrics} registers exactly these. */
export const PG_OUTBOX_METRICS = {
  eventsSent: {
    name: 'orderscope_pg_outbox_events_sent_total',
    help: 'Outbox rows delivered to the collector as order events (answered 202) and deleted.',
  },
  deadLettered: {
    name: 'orderscope_pg_outbox_dead_lettered_total',
    help: 'Outbox rows moved to the dead-letter table, by reason: unmapped (a state value the map does not know) or rejected (the collector found the event invalid).',
    labelNames: ['reason'],
    reasons: DEAD_LETTER_REASONS,
  },
  ignored: {
    name: 'orderscope_pg_outbox_ignored_total',
    help: 'Outbox rows deleted without an event because their state value is configured as not tracked (--ignore).',
  },
  retries: {
    name: 'orderscope_pg_outbox_retries_total',
    help: 'Drain rounds that failed because the collector or the database was unavailable, retried after a backoff.',
  },
  backlogRows: {
    name: 'orderscope_pg_outbox_backlog_rows',
    help: 'Outbox rows of the captured table waiting to be delivered (read at scrape time).',
  },
  oldestRowAge: {
    name: 'orderscope_pg_outbox_oldest_row_age_seconds',
    help: 'Age of the oldest outbox row of the captured table waiting to be delivered, 0 when none (read at scrape time).',
  },
} as const;

export interface PgOutboxMetrics {
  readonly eventsSent: Counter;
  readonly deadLettered: Counter<'reason'>;
  readonly ignored: Counter;
  readonly retries: Counter;
}

/** What the backlog gauges read at each scrape; undefined when the database cannot answer now. */
export type BacklogReader = () => Promise<{ rows: number; oldestAgeSeconds: number } | undefined>;

export function createPgOutboxMetrics(registry: Registry, readBacklog: BacklogReader): PgOutboxMetrics {
  const m = PG_OUTBOX_METRICS;
  const registers = [registry];
  const metrics: PgOutboxMetrics = {
    eventsSent: new Counter({ ...m.eventsSent, registers }),
    deadLettered: new Counter({ name: m.deadLettered.name, help: m.deadLettered.help, labelNames: [...m.deadLettered.labelNames], registers }),
    ignored: new Counter({ ...m.ignored, registers }),
    retries: new Counter({ ...m.retries, registers }),
  };
  for (const reason of DEAD_LETTER_REASONS) metrics.deadLettered.inc({ reason }, 0);
  // One query per scrape feeds both gauges: the first collect() reads, the second reuses it.
  let reading: Promise<Awaited<ReturnType<BacklogReader>>> | undefined;
  new Gauge({
    ...m.backlogRows,
    registers,
    async collect() {
      reading = readBacklog();
      const backlog = await reading;
      if (backlog) this.set(backlog.rows);
    },
  });
  new Gauge({
    ...m.oldestRowAge,
    registers,
    async collect() {
      const backlog = await (reading ?? readBacklog());
      reading = undefined;
      if (backlog) this.set(backlog.oldestAgeSeconds);
    },
  });
  return metrics;
}
