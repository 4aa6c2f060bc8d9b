import type { Stay } from './types';

/** A closed stay that a change of an order's timeline adds to the stored stays, or takes out of them. */
export interface StayChange {
  readonly stay: Stay;
  /** True when the stay was stored and a late event rewrote it away. */
  readonly retracted: boolean;
  /** For an added stay: the event that ended it (the next stay's first event), when that stay is among `after`. */
  readonly closedByEventId?: string;
}

/**
 * The closed stays that differ between an order's stored stays and the ones that replace them: each
 * stay of `after` that `before` does not have is added, each stay of `before` that `after` does not
 * have is retracted. A stay stays the same stay while its (state, entered_at, left_at) does; its
 * seq_no may shift. Open stays (leftAt null) are neither.
 *
 * So adding the changes to anything that follows the stored closed stays (the duration histograms,
 * the report rollups) keeps it equal to what the store holds, in-order or not, and a batch delivered
 * again changes nothing.
 *
 * @param before the stored stays the change replaces (all of them for a rebuild, the open one for an append)
 * @param after the stays that replace them
 */
export function closedStayChanges(before: readonly Stay[], after: readonly Stay[]): StayChange[] {
  const changes: StayChange[] = [];
  const previous = countByIdentity(before.filter((s) => s.leftAt !== null));
  for (const [i, stay] of after.entries()) {
    if (stay.leftAt === null) continue;
    const key = identity(stay);
    const left = previous.get(key);
    if (left) {
      // Unchanged: already stored.
      if (left.count === 1) previous.delete(key);
      else left.count -= 1;
      continue;
    }
    // A stay ends when the next one starts: the next stay's event ended it.
    const closedBy = after[i + 1]?.enteredEventId;
    changes.push({ stay, retracted: false, ...(closedBy !== undefined && { closedByEventId: closedBy }) });
  }
  for (const { stay, count } of previous.values()) for (let i = 0; i < count; i++) changes.push({ stay, retracted: true });
  return changes;
}

function identity(stay: Stay): string {
  return `${stay.state}\u0000${stay.enteredAt}\u0000${stay.leftAt}`;
}

function countByIdentity(stays: readonly Stay[]): Map<string, { stay: Stay; count: number }> {
  const counts = new Map<string, { stay: Stay; count: number }>();
  for (const stay of stays) {
    const key = identity(stay);
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { stay, count: 1 });
  }
  return counts;
}
