import { type Config, describeError, UnavailableError } from '../../common';

/** The error of a topic that could not be created or inspected, whichever client tried. */
export function topicUnavailable(config: Config['kafka'], err: unknown): UnavailableError {
  if (err instanceof UnavailableError) return err;
  return new UnavailableError(`cannot create or inspect the topic "${config.topic}" on Kafka at ${config.brokers.join(',')}: ${describeError(err)}`, err);
}
