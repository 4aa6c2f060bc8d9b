import { testRunId } from './test-run';

/** Jest's global setup of the suites that use Kafka: gives the run its id before any test file loads. */
export default function setup(): void {
  testRunId();
}
