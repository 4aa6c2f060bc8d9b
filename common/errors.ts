/**
 * The one error base of orderscope. `code` is what callers branch on (never the class name as a
 * string), `retriable` tells the edge whether to answer 4xx ("fix your input") or 503 ("try later"),
 * and `cause` keeps the underlying error for logs.
 */
export class OrderscopeError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: { code: string; retriable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}

/** Input that breaks a contract: the message says which field and what to change. Never retriable. */
export class ValidationError extends OrderscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'invalid_input', retriable: false, cause });
  }
}

/** A configuration or process-model file that cannot be used; the message names the key or path. */
export class ConfigError extends OrderscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'invalid_config', retriable: false, cause });
  }
}

/** A dependency (bus, database) that is down or too slow right now; worth retrying later. */
export class UnavailableError extends OrderscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'unavailable', retriable: true, cause });
  }
}

/** True when `err` is worth retrying: our own retriable errors, or network-level failures. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof OrderscopeError) return err.retriable;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Why a connection failed, in words for people rather than the system call's code. */
const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there (connection refused)',
  ENOTFOUND: 'its host name is not known (DNS lookup failed)',
  EAI_AGAIN: 'its host name could not be looked up (DNS did not answer)',
  ETIMEDOUT: 'it does not answer (connection timed out)',
  UND_ERR_CONNECT_TIMEOUT: 'it does not answer (connection timed out)',
  EHOSTUNREACH: 'its host cannot be reached',
  ENETUNREACH: 'its network cannot be reached',
  ECONNRESET: 'it closed the connection (connection reset)',
};

/**
 * Why a connection failed, in plain words, from the error's code or its cause's (fetch wraps the
 * socket's error); the error's own description when the code is not a known network failure.
 */
export function networkFailureReason(err: unknown): string {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_FAILURES[code]) return NETWORK_FAILURES[code];
  }
  const cause = (err as { cause?: unknown } | null)?.cause;
  return describeError(cause ?? err);
}

/** A short, log-safe description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
