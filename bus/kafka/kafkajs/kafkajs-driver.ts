import { AssignerProtocol, Partitioners, type ICustomPartitioner, type Kafka, type Message } from 'kafkajs';
import type { Config, Logger } from '../../../common';
import type { GroupOffsets, KafkaDriver, KeyedMessage, OffsetsReader, ProducerLink } from '../kafka-driver';
import { createKafkaClient, ensureTopic } from '../kafka-client';
import { javaCompatiblePartition } from '../key-hash';

/**
 * kafkajs's default partitioner with our murmur2 (key-hash.ts) for keyed messages: the same
 * partition, murmur2 masked positive modulo the partition count, without kafkajs's hash on its Long
 * type (about 8 % of a collector's CPU on kafkajs, npm run bench -- collector, profiled). A message
 * with a partition or without a key (none of the bus's) is left to kafkajs's own.
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const kafkajsOwn = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key === null || message.key === undefined) return kafkajsOwn(args);
    const key = typeof message.key === 'string' ? Buffer.from(message.key, 'utf8') : message.key;
    return javaCompatiblePartition(undefined, key) % partitionMetadata.length;
  };
};

/** The Kafka bus's client-specific part on kafkajs. */
export class KafkajsDriver implements KafkaDriver {
  private readonly kafka: Kafka;

  constructor(
    private readonly config: Config['kafka'],
    private readonly logger: Logger,
  ) {
    this.kafka = createKafkaClient(config, logger);
  }

  ensureTopic(): Promise<void> {
    return ensureTopic(this.kafka, this.config, this.logger);
  }

  async partitionCount(): Promise<number> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [this.config.topic] });
      const count = metadata.topics[0]?.partitions.length;
      if (!count) throw new Error('the topic has no partitions');
      return count;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async connectProducer({ sendTimeoutMs, onLost }: { sendTimeoutMs: number; onLost: () => void }): Promise<ProducerLink> {
    const producer = this.kafka.producer({
      idempotent: true,
      // kafkajs requires one request in flight per connection for an idempotent producer.
      maxInFlightRequests: 1,
      // Explicit, so kafkajs does not warn about its v2 default change; murmur2 like the Java client.
      createPartitioner: javaCompatiblePartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 2 },
    });
    producer.on(producer.events.DISCONNECT, onLost);
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    const topic = this.config.topic;
    return {
      send: async (messages: readonly KeyedMessage[]) => {
        await producer.send({ topic, acks: -1, timeout: sendTimeoutMs, messages: messages as Message[] });
      },
      close: () => producer.disconnect(),
    };
  }

  async openOffsetsReader(): Promise<OffsetsReader> {
    const admin = this.kafka.admin();
    await admin.connect();
    const { topic, groupId } = this.config;
    return {
      read: async (): Promise<GroupOffsets> => {
        const [watermarks, committed, groups] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId, topics: [topic] }),
          admin.describeGroups([groupId]),
        ]);
        const members = groups.groups.find((g) => g.groupId === groupId)?.members ?? [];
        const owned = new Set<number>();
        for (const member of members) {
          // A member that joined but has not been assigned yet has an empty assignment.
          const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
          for (const p of decoded?.assignment[topic] ?? []) owned.add(p);
        }
        const committedOf = new Map<number, number>();
        for (const p of committed.find((t) => t.topic === topic)?.partitions ?? []) {
          // kafkajs says -1 for a partition without a commit.
          if (Number(p.offset) >= 0) committedOf.set(p.partition, Number(p.offset));
        }
        return {
          watermarks: watermarks.map((w) => ({ partition: w.partition, low: Number(w.low), high: Number(w.high) })),
          committed: committedOf,
          owned,
          members: members.length,
        };
      },
      close: () => admin.disconnect(),
    };
  }
}
