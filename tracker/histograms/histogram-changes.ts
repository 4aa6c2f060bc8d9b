import type { ProcessModel } from '../../events';
import type { LeadTime, Stay } from '../timeline';

/** The duration histograms the tracker keeps: time in a state per closed stay, lead time per finished order. */
export type DurationHistogram = 'state_duration' | 'lead_time';

/** One observation into a duration histogram, or one taken back. */
export interface HistogramChange {
  readonly histogram: DurationHistogram;
  /** The stay's state; for lead time, the terminal state the order reached. */
  readonly state: string;
  readonly seconds: number;
  /** True when a late event rewrote what was observed: it goes into the histogram's *_retracted twin. */
  readonly retracted: boolean;
  /** For a new time-in-state observation: the event that ended the stay, whose trace becomes the bucket's exemplar. */
  readonly closedByEventId?: string;
}

/**
 * What a change of one order's timeline does to the duration histograms, which follow the stored
 * stays exactly: every closed stay of a model state is observed once, when it first appears in the
 * store, and retracted once, when a rebuild replaces it (a late event split it or moved its start). A
 * stay stays the same stay while its (state, entered_at, left_at) does; its seq_no may shift. Likewise
 * the lead time of an order in a terminal state, identified by (terminal state, start, finish).
 *
 * So observed minus retracted always equals what the store holds, in-order or not, and a batch
 * delivered again changes no stay and observes nothing.
 *
 * @param before the stored stays the change replaces (all of them for a rebuild, the open one for an append)
 * @param after the stays that replace them
 */
export function histogramChanges(
  before: readonly Stay[],
  after: readonly Stay[],
  leadBefore: LeadTime | undefined,
  leadAfter: LeadTime | undefined,
  model: ProcessModel,
): { changes: HistogramChange[]; unobservableStays: number } {
  const changes: HistogramChange[] = [];
  const previous = countByIdentity(before.filter((s) => s.leftAt !== null));
  let unobservableStays = 0;
  for (const [i, stay] of after.entries()) {
    if (stay.leftAt === null) continue;
    const key = identity(stay);
    const left = previous.get(key);
    if (left) {
      // Unchanged: observed before (or never observable), nothing to do.
      if (left.count === 1) previous.delete(key);
      else left.count -= 1;
      continue;
    }
    // A stay ends when the next one starts: the next stay's event ended it.
    const closedBy = after[i + 1]?.enteredEventId;
    if (model.hasState(stay.state)) changes.push({ histogram: 'state_duration', state: stay.state, seconds: stay.durationSeconds!, retracted: false, ...(closedBy !== undefined && { closedByEventId: closedBy }) });
    else unobservableStays += 1;
  }
  for (const { stay, count } of previous.values()) {
    if (!model.hasState(stay.state)) continue;
    for (let i = 0; i < count; i++) changes.push({ histogram: 'state_duration', state: stay.state, seconds: stay.durationSeconds!, retracted: true });
  }

  if (leadIdentity(leadBefore) !== leadIdentity(leadAfter)) {
    if (leadBefore) changes.push({ histogram: 'lead_time', state: leadBefore.state, seconds: leadBefore.seconds, retracted: true });
    if (leadAfter) changes.push({ histogram: 'lead_time', state: leadAfter.state, seconds: leadAfter.seconds, retracted: false });
  }
  return { changes, unobservableStays };
}

function identity(stay: Stay): string {
  return `${stay.state}\u0000${stay.enteredAt}\u0000${stay.leftAt}`;
}

function leadIdentity(lead: LeadTime | undefined): string | undefined {
  return lead && `${lead.state}\u0000${lead.startedAt}\u0000${lead.finishedAt}`;
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
