import { type Config, type Logger, sleep } from '../../../common';
import type { GroupOffsets, KafkaDriver, KeyedMessage, OffsetsReader, ProducerLink } from '../kafka-driver';
import { javaCompatiblePartition } from '../key-hash';
import { baseOptions, closeForcibly, loadPlatformatic, type Platformatic } from './load-platformatic';
import { writeProduceRequestsLean } from './produce-request';

type Admin = InstanceType<Platformatic['Admin']>;

/** How often, while a new topic's partitions have no leader yet, its metadata is read again. */
const LEADER_POLL_MS = 100;

/** The Kafka bus's client-specific part on @platformatic/kafka. */
export class PlatformaticDriver implements KafkaDriver {
  constructor(
    private readonly config: Config['kafka'],
    private readonly logger: Logger,
  ) {}

  async ensureTopic(): Promise<void> {
    const { topic, partitions, replicationFactor } = this.config;
    await this.withAdmin(async (admin) => {
      if (!(await admin.listTopics()).includes(topic)) {
        try {
          await admin.createTopics({ topics: [topic], partitions, replicas: replicationFactor });
        } catch (err) {
          // Two processes starting at once may both try to create it; the loser finds it there.
          if (!(await admin.listTopics()).includes(topic)) throw err;
        }
        await this.leadersElected(admin);
        return;
      }
      const existing = await this.countPartitions(admin);
      if (existing !== partitions) {
        this.logger.warn({ topic, partitions: existing, configured: partitions }, 'the topic exists with another partition count than kafka.partitions; keeping it');
      }
    });
  }

  partitionCount(): Promise<number> {
    return this.withAdmin((admin) => this.countPartitions(admin));
  }

  async connectProducer({ sendTimeoutMs }: { sendTimeoutMs: number; onLost: () => void }): Promise<ProducerLink> {
    const kafka = await loadPlatformatic();
    const { Producer, ProduceAcks } = kafka;
    const producer = new Producer({
      ...baseOptions(this.config),
      // The produce request's own timeout, as kafkajs's send timeout: the broker answers within it.
      timeout: sendTimeoutMs,
      idempotent: true,
      acks: ProduceAcks.ALL,
      // murmur2 masked positive, as the Java client and kafkajs: an order's events land on the same
      // partition whichever client published them (the default here differs for half the keys). Ours,
      // not the library's compatibilityPartitioner, which computes the same hash a fiftieth as fast.
      partitioner: javaCompatiblePartition,
      autocreateTopics: false,
    });
    writeProduceRequestsLean(producer, kafka);
    try {
      // The producer id: the first round trip, which is what tells whether Kafka answers at all.
      await producer.initIdempotentProducer({});
    } catch (err) {
      await closeForcibly(producer).catch(() => undefined);
      throw err;
    }
    const topic = this.config.topic;
    return {
      send: async (messages: readonly KeyedMessage[]) => {
        await producer.send({ messages: messages.map(({ key, value }) => ({ topic, key: Buffer.from(key, 'utf8'), value })) });
      },
      close: () => closeForcibly(producer),
    };
  }

  async openOffsetsReader(): Promise<OffsetsReader> {
    const { Admin, ListOffsetTimestamps } = await loadPlatformatic();
    const admin = new Admin(baseOptions(this.config));
    try {
      // A first round trip, so that an unreachable Kafka fails here as kafkajs's connect() does.
      await admin.listTopics();
    } catch (err) {
      await admin.close().catch(() => undefined);
      throw err;
    }
    const { topic, groupId } = this.config;
    const offsetsAt = async (partitions: readonly number[], timestamp: bigint) => {
      const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] });
      return new Map((listed.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
    };
    return {
      read: async (): Promise<GroupOffsets> => {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
        const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
        const partitions = Array.from({ length: count }, (_, p) => p);
        const [low, high, committed, groups] = await Promise.all([
          offsetsAt(partitions, ListOffsetTimestamps.EARLIEST),
          offsetsAt(partitions, ListOffsetTimestamps.LATEST),
          admin.listConsumerGroupOffsets({ groups: [groupId] }),
          // Known risk (issue 18): @platformatic/kafka 1.35 decodes every member's assignment without
          // checking its length, and throws inside its socket callback (not catchable here) on the
          // empty one a kafkajs group leader gives a member without partitions (more trackers than
          // partitions in a group led by a kafkajs member). Its own leader encodes every member.
          admin.describeGroups({ groups: [groupId] }),
        ]);
        const members = [...(groups.get(groupId)?.members.values() ?? [])];
        const owned = new Set<number>();
        for (const member of members) for (const p of member.assignments?.get(topic)?.partitions ?? []) owned.add(p);
        const committedOf = new Map<number, number>();
        for (const p of committed.find((g) => g.groupId === groupId)?.topics.find((t) => t.name === topic)?.partitions ?? []) {
          // The broker says -1 for a partition without a commit.
          if (p.committedOffset >= 0n) committedOf.set(p.partitionIndex, Number(p.committedOffset));
        }
        return {
          watermarks: partitions.map((partition) => ({ partition, low: low.get(partition) ?? 0, high: high.get(partition) ?? 0 })),
          committed: committedOf,
          owned,
          members: members.length,
        };
      },
      close: () => admin.close(),
    };
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const { Admin } = await loadPlatformatic();
    const admin = new Admin(baseOptions(this.config));
    try {
      return await use(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  private async countPartitions(admin: Admin): Promise<number> {
    const count = (await admin.metadata({ topics: [this.config.topic], forceUpdate: true })).topics.get(this.config.topic)?.partitionsCount;
    if (!count) throw new Error('the topic has no partitions');
    return count;
  }

  /**
   * Waits (within the request timeout) until every partition of a topic just created has a leader,
   * as kafkajs's createTopics does with waitForLeaders: a producer or consumer started right after
   * would otherwise meet LEADER_NOT_AVAILABLE.
   */
  private async leadersElected(admin: Admin): Promise<void> {
    const deadline = Date.now() + this.config.requestTimeoutMs;
    for (;;) {
      try {
        const partitions = (await admin.metadata({ topics: [this.config.topic], forceUpdate: true })).topics.get(this.config.topic)?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) return;
      await sleep(LEADER_POLL_MS);
    }
  }
}
