import type { Response } from 'express';

/**
 * The answer of every redrive endpoint of the pipeline (the shop's requote, the CRM's reassign, the
 * MES's requeue): 202 when the order was set moving again (`redriven: true`), 200 when there was
 * nothing to do (`redriven: false`), the reason saying which. An unknown order is a 404 in the
 * services' error format. A redrive tracks a state change only when the order's state changes.
 */
export interface RedriveAnswer {
  readonly order_id: string;
  readonly redriven: boolean;
  /** The order's state in this service after the redrive; null when the service does not hold the order. */
  readonly state: string | null;
  /** What was done, or why nothing was, for the person (or the tracker's audit trail) reading it. */
  readonly reason: string;
}

export function sendRedrive(res: Response, answer: RedriveAnswer): void {
  res.status(answer.redriven ? 202 : 200).json(answer);
}
