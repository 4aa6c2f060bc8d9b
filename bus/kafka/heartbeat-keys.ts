import { heartbeatOrderId } from '../../events';
import { javaCompatiblePartition } from './key-hash';

/**
 * How many candidate ids are tried before giving up. murmur2 spreads keys evenly, so the expected
 * number of tries to cover p partitions is about p·ln(p) (coupon collector): a few hundred even for
 * a hundred partitions; this bound is only reached for absurd partition counts.
 */
const MAX_CANDIDATES = 1_000_000;

/**
 * One heartbeat order id per partition of a topic with `partitions` partitions, index = partition:
 * the lowest-numbered `orderscope.heartbeat:<n>` that Kafka's partitioner (murmur2 of the key, that of
 * the Java client, kafkajs and our @platformatic/kafka producer) sends to that partition.
 * Deterministic, so every collector replica uses the same ids.
 */
export function heartbeatOrderIds(partitions: number): string[] {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  const ids: (string | undefined)[] = new Array<string | undefined>(partitions).fill(undefined);
  let missing = partitions;
  for (let n = 0; missing > 0 && n < MAX_CANDIDATES; n++) {
    const id = heartbeatOrderId(n);
    const partition = javaCompatiblePartition(undefined, Buffer.from(id, 'utf8')) % partitions;
    if (ids[partition] === undefined) {
      ids[partition] = id;
      missing--;
    }
  }
  if (missing > 0) throw new RangeError(`found no heartbeat id for ${missing} of ${partitions} partitions`);
  return ids as string[];
}
