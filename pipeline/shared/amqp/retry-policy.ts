/**
 * What a consumer does with a message whose handling failed: retry it later (through the queue's
 * retry queue, after a delay) or dead-letter it (to the queue's `.dead` queue, for a person to look
 * at). Pure, so that the rule is tested without a broker.
 */
export type FailureDecision = { readonly action: 'retry'; readonly attempt: number } | { readonly action: 'dead-letter'; readonly reason: string };

export interface FailedDelivery {
  /** Earlier failed attempts at this message on this queue (see {@link previousAttempts}). */
  readonly previousAttempts: number;
  /** Retries allowed after the first attempt. */
  readonly maxRetries: number;
  /** False for failures that another attempt cannot fix (a message that breaks its schema). */
  readonly retriable: boolean;
  /** What went wrong, for the dead-letter reason. */
  readonly error: string;
}

/** Retries a retriable failure while attempts remain; dead-letters everything else, saying why. */
export function decideOnFailure(failure: FailedDelivery): FailureDecision {
  if (!failure.retriable) return { action: 'dead-letter', reason: `not retriable: ${failure.error}` };
  const attempt = failure.previousAttempts + 1;
  if (attempt > failure.maxRetries) {
    return { action: 'dead-letter', reason: `failed ${attempt} times (${failure.maxRetries} retries): ${failure.error}` };
  }
  return { action: 'retry', attempt };
}

/** One entry of RabbitMQ's `x-death` header: how often a message was dead-lettered from a queue, and why. */
interface XDeath {
  queue?: unknown;
  reason?: unknown;
  count?: unknown;
}

/**
 * How often this message already failed on `queue`: RabbitMQ's `x-death` header counts, per queue
 * and reason, how often the message was rejected there (our retry path rejects into the retry
 * queue). A message that never failed has no entry: 0.
 */
export function previousAttempts(headers: Readonly<Record<string, unknown>> | undefined, queue: string): number {
  const deaths = headers?.['x-death'];
  if (!Array.isArray(deaths)) return 0;
  let attempts = 0;
  for (const death of deaths as XDeath[]) {
    if (death?.queue === queue && death.reason === 'rejected') attempts += Number(death.count ?? 1) || 0;
  }
  return attempts;
}
