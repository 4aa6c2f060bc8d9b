import { isRetriable, OrderscopeError, isTransientPgError } from '../../common';

/**
 * An error after which the process must not go on: it stops gracefully (finishing the work in
 * flight, flushing telemetry) and exits 1 for its supervisor to restart it. Thrown by the fault
 * injection, and raised for a lost RabbitMQ connection.
 */
export class ServiceCrash extends OrderscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'service_crash', retriable: false, cause });
  }
}

/** A request that names something that does not exist (HTTP 404). */
export class NotFoundError extends OrderscopeError {
  constructor(message: string) {
    super(message, { code: 'not_found', retriable: false });
  }
}

/** A request that conflicts with the current state of an order (HTTP 409), e.g. shipping an order not produced yet. */
export class ConflictError extends OrderscopeError {
  constructor(message: string, readonly currentState?: string) {
    super(message, { code: 'conflict', retriable: false });
  }
}

/** True for failures another attempt may not meet: network errors, our retriable errors, transient PostgreSQL errors. */
export function isTransient(err: unknown): boolean {
  return isRetriable(err) || isTransientPgError(err);
}
