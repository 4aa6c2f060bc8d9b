import { Partitioners, type PartitionMetadata } from 'kafkajs';

/** `partitions` partitions, each with a leader but those in `leaderless`. */
export function metadataOf(partitions: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0, partitionId, leader: leaderless.includes(partitionId) ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [],
  }));
}

/** The partition kafkajs's own default partitioner gives `key` on a topic of `partitions` partitions, each with a leader: the reference the bus's partitioners are held to. */
export function kafkajsPartitionOf(key: Buffer | string, partitions: number): number {
  return Partitioners.DefaultPartitioner()({ topic: 'order-events', partitionMetadata: metadataOf(partitions), message: { key, value: 'x' } });
}
