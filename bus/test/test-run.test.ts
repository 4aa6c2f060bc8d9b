import { randomUUID } from 'node:crypto';
import { forgetTopicsMade, markTopicsMade, runTopicPrefix, TEST_RUN_ENV, testRunId, topicsWereMade } from './test-run';
import { freshTopic } from './kafka-topic';

describe('a test run and its Kafka topics', () => {
  it('names every fresh topic under the run id, and marks the run as having made topics', () => {
    const run = testRunId();
    expect(process.env[TEST_RUN_ENV]).toBe(run);
    expect(testRunId()).toBe(run);
    const a = freshTopic('a');
    const b = freshTopic('a');
    expect(a.startsWith(runTopicPrefix(run) + 'a-')).toBe(true);
    expect(a).not.toBe(b);
    expect(topicsWereMade(run)).toBe(true);
    markTopicsMade();
    forgetTopicsMade(run);
    expect(topicsWereMade(run)).toBe(false);
  });

  it('knows no topics of a run that made none', () => {
    expect(topicsWereMade(randomUUID().slice(0, 8))).toBe(false);
    expect(runTopicPrefix('r1')).toBe('orderscope-test-r1-');
  });
});
