import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { type Config, type Logger, UnavailableError } from '../../common';
import { topicUnavailable } from './topic-unavailable';

// kafkajs is unmaintained: it is used in bus/kafka only (kafka.client: kafkajs), so that replacing it
// touches nothing else; @platformatic/kafka is the other client (platformatic/).

/** A kafkajs client for the `kafka` section of the config, logging through `logger`. */
export function createKafkaClient(config: Config['kafka'], logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Few, short retries inside kafkajs: the caller's deadline decides how long to wait, and a
    // client of the collector retries the whole request anyway.
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logKafka(logger, entry),
  });
}

/** Creates the topic when it does not exist (with `partitions` partitions); warns when it has another count. */
export async function ensureTopic(kafka: Kafka, config: Config['kafka'], logger: Logger): Promise<void> {
  const { topic, partitions, replicationFactor } = config;
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Look before creating: kafkajs logs "already exists" as an error even though it is the usual case.
    // Two processes starting at once may still both try to create it; the loser's false is fine.
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true });
      return;
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const existing = metadata.topics[0]?.partitions.length;
    if (existing !== undefined && existing !== partitions) {
      logger.warn({ topic, partitions: existing, configured: partitions }, 'the topic exists with another partition count than kafka.partitions; keeping it');
    }
  } catch (err) {
    throw topicUnavailable(config, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function logKafka(logger: Logger, { namespace, level, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
  // The publisher never reuses an idempotent producer after a failed send (see KafkaPublisher), which
  // is the risk this kafkajs warning is about.
  if (message.startsWith('Limiting retries for the idempotent producer')) return;
  const method = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
  logger[method]({ kafkajs: namespace, ...fields }, message);
}

/**
 * Deletes a topic and a consumer group (a preview environment's, when it goes). Either may already be
 * gone: that is the result asked for. A group with live members cannot be deleted: stop its
 * consumers first; the error says so.
 */
export async function deleteTopicAndGroup(kafka: Kafka, topic: string, groupId: string): Promise<{ topic: 'deleted' | 'absent'; group: 'deleted' | 'absent' }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topicExists = (await admin.listTopics()).includes(topic);
    if (topicExists) await admin.deleteTopics({ topics: [topic] });
    const groupExists = (await admin.listGroups()).groups.some((g) => g.groupId === groupId);
    if (groupExists) {
      try {
        await admin.deleteGroups([groupId]);
      } catch (err) {
        // kafkajs's KafkaJSDeleteGroupsError lists each group with its protocol error's type.
        const groups = (err as { groups?: { error?: { type?: string } }[] }).groups ?? [];
        const nonEmpty = groups.some((g) => g.error?.type === 'NON_EMPTY_GROUP');
        if (nonEmpty) throw new UnavailableError(`the consumer group ${groupId} still has members: stop its trackers first (scale them to 0), then try again`, err);
        throw err;
      }
    }
    return { topic: topicExists ? 'deleted' : 'absent', group: groupExists ? 'deleted' : 'absent' };
  } finally {
    await admin.disconnect();
  }
}
