// The unit tests of the pure core, for mutation testing (stryker.config.js). Stryker runs the tests
// that cover a mutant once per mutant, so this list holds the fast, fixed tests that pin the core
// down: no PGlite, no HTTP server, no random fuzzing (collector/test/fuzz.test.ts finds crash paths;
// each one it found has a fixed case in collector/ingest/check-batch.test.ts).
const { projects, testTimeout } = require('./jest.config.js');

const { displayName: _unit, ...unit } = projects.find((p) => p.displayName === 'unit');

const CORE_TESTS = [
  'events/order-event.test.ts',
  'events/model.test.ts',
  'events/occurred-at.test.ts',
  'collector/ingest/*.test.ts',
  'tracker/timeline/*.test.ts',
  'tracker/detection/status-rules.test.ts',
  'tracker/report/test/report-maths.test.ts',
  'tracker/histograms/stored-histogram.test.ts',
  'tracker/histograms/histogram-changes.test.ts',
  'tracker/rollups/rollup-changes.test.ts',
  'bus/kafka/key-hash.test.ts',
];

/** @type {import('jest').Config} */
module.exports = { ...unit, rootDir: __dirname, testTimeout, testMatch: CORE_TESTS.map((p) => `<rootDir>/${p}`) };
