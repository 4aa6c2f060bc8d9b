import { Kafka, logLevel } from 'kafkajs';
import { BROKERS } from './kafka-topic';
import { forgetTopicsMade, runTopicPrefix, TEST_RUN_ENV, topicsWereMade } from './test-run';

/**
 * Jest's global teardown of the suites that use Kafka: deletes the topics this run made, once every
 * test file has finished (a per-file hook would run before the file's own afterAll, while its
 * services still read them). A broker that keeps every test topic takes longer to start after each
 * run, since it recovers every partition it holds. Best effort: a failure here is printed, and
 * leaves topics behind but fails no test.
 */
export default async function teardown(): Promise<void> {
  const run = process.env[TEST_RUN_ENV];
  if (!run || !topicsWereMade(run)) return;
  // No retries: kafkajs retries a topic that is gone for seconds before it gives up.
  const kafka = new Kafka({ clientId: 'orderscope-test-teardown', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const prefix = runTopicPrefix(run);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    // One at a time, past any that fails: a topic its test deleted a moment ago may still be listed,
    // and Kafka's refusal of that one would fail a request for them all.
    const failed: string[] = [];
    for (const topic of topics) {
      await admin.deleteTopics({ topics: [topic] }).catch((err: unknown) => {
        if (!isGone(err)) failed.push(`${topic}: ${String(err)}`);
      });
    }
    if (failed.length > 0) console.warn(`could not delete ${failed.length} of this test run's Kafka topics:\n${failed.join('\n')}`);
    forgetTopicsMade(run);
  } catch (err) {
    console.warn(`could not delete this test run's Kafka topics (${runTopicPrefix(run)}*): ${String(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka's answer that the topic is gone already (kafkajs gives it as the cause once it stops retrying). */
function isGone(err: unknown): boolean {
  const { type, cause } = err as { type?: string; cause?: { type?: string } };
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || cause?.type === 'UNKNOWN_TOPIC_OR_PARTITION';
}
