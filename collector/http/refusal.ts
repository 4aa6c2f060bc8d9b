import { OrderscopeError } from '../../common';

/**
 * A whole request that the collector refuses, with the HTTP status, the error code clients branch on
 * and a message that says what to fix. Thrown anywhere between reading the headers and publishing;
 * the ingest route turns it into `{ error: { code, message, ...details } }`.
 */
export class RequestRefused extends OrderscopeError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly options: {
      /** Seconds for the Retry-After header (429, 503). */
      retryAfterSeconds?: number;
      /** Extra fields of the error object, e.g. the index of the offending event. */
      details?: Record<string, unknown>;
      /** Ask the client to close the connection (the rest of its body is not read). */
      closeConnection?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { code, retriable: status === 429 || status >= 500, cause: options.cause });
  }
}
