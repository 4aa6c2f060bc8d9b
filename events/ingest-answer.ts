/**
 * The collector's 202 answer to a well-formed `POST /v1/events` batch: part of the wire contract,
 * like the event itself. The collector builds it and every client (the agents, `orderscope replay`
 * and `import`) reads it, so it lives here, where both sides import it without depending on each other.
 */
export interface IngestResult {
  /** Events accepted and acknowledged by the bus. */
  accepted: number;
  /** Every event that was not accepted, in batch order. */
  rejected: IngestRejection[];
}

/** One event of a batch that was not accepted, as the 202 answer lists it. */
export interface IngestRejection {
  /** Position of the event in the batch, from 0. */
  index: number;
  /** The event's id, when it has a usable one, so the producer can find it. */
  event_id?: string;
  /** What is wrong and what to change. */
  error: string;
}
