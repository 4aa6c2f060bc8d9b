import { deleteNamedTopics } from './kafka-topic';

// Jest runs this before each integration and e2e test file (setupFilesAfterEnv in jest.config.js),
// in the file's own module registry: the topics its tests named are deleted when it ends. A broker
// that is gone by then leaves them, which is said, not failed: the tests' outcome is already known.
afterAll(async () => {
  await deleteNamedTopics().catch((err: unknown) => console.warn(`could not delete this file's Kafka topics: ${String(err)}`));
});
