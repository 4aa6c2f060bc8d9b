/**
 * The backlog a tracker found in Kafka when it started: each partition's high watermark at the lag
 * monitor's first reading. Until the group has committed up to it everywhere, the store lacks events
 * that are already on the bus, and an order whose next event waits there would look overdue.
 */
export type StartBacklog = ReadonlyMap<number, number>;

/**
 * Messages of the start backlog not committed yet, summed over partitions. A partition the topic no
 * longer reports counts as applied (it cannot be consumed), and a committed offset past the mark too.
 */
export function backlogLeft(backlog: StartBacklog, committed: ReadonlyMap<number, number>): number {
  let left = 0;
  for (const [partition, mark] of backlog) {
    const at = committed.get(partition);
    if (at !== undefined) left += Math.max(0, mark - at);
  }
  return left;
}
