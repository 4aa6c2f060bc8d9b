const os = require('node:os');

// Three suites: `unit` needs no servers (npm test), `integration` and `e2e` talk to real
// PostgreSQL, RabbitMQ and Kafka started by scripts/services.sh.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];
const common = {
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // .stryker-tmp: the sandboxes of a mutation run (a copy of the tree, tests included).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/.stryker-tmp/'],
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
};
// The suites with Kafka delete the topics their run made once every test file has finished
// (bus/test/test-run.ts says how a run knows its topics).
const kafkaTopics = {
  globalSetup: '<rootDir>/bus/test/kafka-topics.global-setup.ts',
  globalTeardown: '<rootDir>/bus/test/kafka-topics.global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default is one worker fewer than the cores: one on two. The unit suite waits much of its
  // time on PGlite's thread, chromium and child processes, so two workers there run it in about
  // 60 % of the time one takes. A global option: the integration and e2e scripts pass --runInBand,
  // as their suites share servers.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  // Two cores shared with PostgreSQL, Kafka and PGlite: generous, since tests never assert on time.
  // A global option: Jest ignores testTimeout in a project's config.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$'] },
    { ...common, ...kafkaTopics, displayName: 'integration', testMatch: ['<rootDir>/**/*.int.test.ts'] },
    { ...common, ...kafkaTopics, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e.test.ts'] },
  ],
};
