import { randomUUID } from 'node:crypto';
import { forgetTopicsMade, runTopicPrefix, TEST_RUN_ENV, testRunId, topicsWereMade } from './test-run';
import { freshTopic } from './kafka-topic';

describe('a test run and its Kafka topics', () => {
  // A run id of this test's own: when the whole suite runs in one Jest run, the integration suite's
  // real run id is in the environment, and forgetting its marker would leave its topics behind.
  const realRun = process.env[TEST_RUN_ENV];
  beforeAll(() => {
    process.env[TEST_RUN_ENV] = `unit-${randomUUID().slice(0, 8)}`;
  });
  afterAll(() => {
    if (realRun === undefined) delete process.env[TEST_RUN_ENV];
    else process.env[TEST_RUN_ENV] = realRun;
  });

  it('names every fresh topic under the run id, and marks the run as having made topics', () => {
    const run = testRunId();
    expect(run).toBe(process.env[TEST_RUN_ENV]);
    const a = freshTopic('a');
    const b = freshTopic('a');
    expect(a.startsWith(`${runTopicPrefix(run)}a-`)).toBe(true);
    expect(a).not.toBe(b);
    expect(topicsWereMade(run)).toBe(true);
    forgetTopicsMade(run);
    expect(topicsWereMade(run)).toBe(false);
  });

  it('knows no topics of a run that made none', () => {
    expect(topicsWereMade(randomUUID().slice(0, 8))).toBe(false);
    expect(runTopicPrefix('r1')).toBe('orderscope-test-r1-');
  });
});
