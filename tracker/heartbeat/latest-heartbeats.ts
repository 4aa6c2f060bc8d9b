import type { EventOrigin } from '../../bus';
import type { OrderEvent } from '../../events';

/** The newest heartbeat the tracker applied on one partition. */
export interface PartitionHeartbeat {
  /** The Kafka partition number, or `in-process` for the bus of embedded mode. */
  readonly partition: string;
  /** The heartbeat's occurred_at (the publishing collector's clock), epoch milliseconds. */
  readonly occurredAtMs: number;
}

/** The `partition` label of an origin: its Kafka partition, or `in-process`. */
export function partitionLabel(origin: EventOrigin): string {
  return 'partition' in origin ? String(origin.partition) : origin.publisher;
}

/**
 * The newest applied heartbeat per partition, in memory: what the heartbeat gauge and the home page
 * show. A restarted tracker starts empty and fills within one heartbeat interval; a stopped one
 * exports nothing, which TrackerDown pages for.
 */
export class LatestHeartbeats {
  private readonly latest = new Map<string, number>();

  /** Records heartbeats of a committed batch; an older one (another collector's, late) never moves a partition back. */
  record(heartbeats: readonly { readonly event: OrderEvent; readonly origin: EventOrigin }[]): void {
    for (const { event, origin } of heartbeats) {
      const partition = partitionLabel(origin);
      const at = Date.parse(event.occurred_at);
      if (!(at <= (this.latest.get(partition) ?? -Infinity))) this.latest.set(partition, at);
    }
  }

  /** Every partition seen so far, in partition order. */
  snapshot(): PartitionHeartbeat[] {
    return [...this.latest]
      .map(([partition, occurredAtMs]) => ({ partition, occurredAtMs }))
      .sort((a, b) => a.partition.localeCompare(b.partition, 'en', { numeric: true }));
  }
}
