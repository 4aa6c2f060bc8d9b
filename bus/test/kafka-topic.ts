import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { KAFKA_CLIENTS, loadConfig, type Config } from '../../common';
import { markTopicsMade, runTopicPrefix, testRunId } from './test-run';

/**
 * Test helpers that talk to the real broker directly with kafkajs, independently of KafkaPublisher and KafkaSource, to
 * check what actually is on a topic.
 */

export const BROKERS = (process.env.ORDERSCOPE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Every Kafka client the bus runs on: the bus's own suites run once on each. */
export { KAFKA_CLIENTS };

/**
 * The client the other Kafka suites run on: ORDERSCOPE_KAFKA_CLIENT, as for the services (those
 * suites build their config without the rest of the environment), kafkajs when unset.
 */
export const KAFKA_CLIENT: Config['kafka']['client'] = loadConfig({ env: { ORDERSCOPE_KAFKA_CLIENT: process.env.ORDERSCOPE_KAFKA_CLIENT } }).kafka.client;

const kafka = new Kafka({ clientId: 'orderscope-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

/**
 * A topic name no other test uses. It carries the run's id, so the run's global teardown deletes
 * the topic if its test did not.
 */
export function freshTopic(what: string): string {
  markTopicsMade();
  return `${runTopicPrefix(testRunId())}${what}-${randomUUID().slice(0, 8)}`;
}

export interface TopicMessage {
  key: string | null;
  value: string | null;
  partition: number;
}

/** Reads a topic from its start with a throwaway group until `count` messages arrived (or `timeoutMs` passed). */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<TopicMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const messages: TopicMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          messages.push({ key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null, partition });
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Produces raw messages (anything, including what is not an order event) to a topic. */
export async function produceRaw(topic: string, values: Array<string | Buffer | null>): Promise<void> {
  const producer: Producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `raw-${i}`, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Deletes a test topic, so that test runs leave none behind. */
export async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}
