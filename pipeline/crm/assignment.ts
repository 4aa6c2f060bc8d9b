import type { Segment } from '../shared/messages';

/** An operator (salesperson) as the assignment sees them. */
export interface OperatorLoad {
  readonly id: string;
  /** Their share of the orders relative to the others: 2 takes twice as many as 1; 0 takes none. */
  readonly weight: number;
  /** Orders they may hold unconfirmed at once; beyond it they get no more until they confirm some. */
  readonly capacity: number;
  /** Orders assigned to them and not confirmed yet. */
  readonly open: number;
  /** Orders assigned to them in the fairness window (e.g. the last hour), confirmed or not. */
  readonly assignedInWindow: number;
}

/** A priced order waiting for an operator. */
export interface PendingOrder {
  readonly orderId: string;
  readonly segment: Segment;
  /** When the CRM received it (ms since the epoch): older orders go first within a segment. */
  readonly receivedAt: number;
}

export interface Assignment {
  readonly orderId: string;
  readonly operatorId: string;
}

export interface AssignmentResult {
  readonly assignments: readonly Assignment[];
  /** Orders no operator has room for now, in the order they will be considered next time. */
  readonly waiting: readonly string[];
}

/**
 * Assigns pending orders to operators, fairly. Each order goes to the operator, among those below
 * their capacity, who would have the smallest weighted share of the window's assignments after
 * taking it ((assignedInWindow + 1) / weight, as in weighted fair queueing); ties go to the least
 * loaded now (open / weight), then the larger weight, then the id.
 *
 * Why shares and not open orders alone: an operator who confirms fast always has few open orders,
 * and plain least-loaded would hand them nearly everything (the old CRM's "one operator grabs most
 * orders"). The capacity cap is what keeps work flowing when someone is slow: they are skipped,
 * not waited for.
 *
 * With `b2bFirst`, B2B orders are considered before B2C ones (oldest first within each), so when
 * capacity runs short it is B2C orders that wait.
 */
export function assignOrders(pending: readonly PendingOrder[], operators: readonly OperatorLoad[], options: { b2bFirst: boolean }): AssignmentResult {
  const load = operators.filter((o) => o.weight > 0 && o.capacity > 0).map((o) => ({ ...o }));
  const assignments: Assignment[] = [];
  const waiting: string[] = [];
  for (const order of [...pending].sort(byPriority(options.b2bFirst))) {
    let best: (typeof load)[number] | undefined;
    for (const candidate of load) {
      if (candidate.open >= candidate.capacity) continue;
      if (!best || compareCandidates(candidate, best) < 0) best = candidate;
    }
    if (!best) {
      waiting.push(order.orderId);
      continue;
    }
    best.open += 1;
    best.assignedInWindow += 1;
    assignments.push({ orderId: order.orderId, operatorId: best.id });
  }
  return { assignments, waiting };
}

function byPriority(b2bFirst: boolean) {
  return (a: PendingOrder, b: PendingOrder): number => {
    if (b2bFirst && a.segment !== b.segment) return a.segment === 'b2b' ? -1 : 1;
    return a.receivedAt - b.receivedAt || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
  };
}

function compareCandidates(a: OperatorLoad, b: OperatorLoad): number {
  return (
    (a.assignedInWindow + 1) / a.weight - (b.assignedInWindow + 1) / b.weight ||
    a.open / a.weight - b.open / b.weight ||
    b.weight - a.weight ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
