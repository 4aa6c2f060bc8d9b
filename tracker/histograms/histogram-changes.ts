import type { ProcessModel } from '../../events';
import type { LeadTime, StayChange } from '../timeline';

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
 * store, and retracted once, when a rebuild replaces it (a late event split it or moved its start):
 * the order's `closedStayChanges` (tracker/timeline). Likewise the lead time of an order in a terminal state,
 * identified by (terminal state, start, finish).
 *
 * So observed minus retracted always equals what the store holds, in-order or not, and a batch
 * delivered again changes no stay and observes nothing.
 *
 * @param stayChanges the closed stays the change adds and retracts (`closedStayChanges`)
 */
export function histogramChanges(
  stayChanges: readonly StayChange[],
  leadBefore: LeadTime | undefined,
  leadAfter: LeadTime | undefined,
  model: ProcessModel,
): { changes: HistogramChange[]; unobservableStays: number } {
  const changes: HistogramChange[] = [];
  let unobservableStays = 0;
  for (const { stay, retracted, closedByEventId } of stayChanges) {
    // A stay of a state the model does not know is stored but never a label: never observed, so never retracted.
    if (!model.hasState(stay.state)) {
      if (!retracted) unobservableStays += 1;
      continue;
    }
    changes.push({ histogram: 'state_duration', state: stay.state, seconds: stay.durationSeconds!, retracted, ...(closedByEventId !== undefined && { closedByEventId }) });
  }

  if (leadIdentity(leadBefore) !== leadIdentity(leadAfter)) {
    if (leadBefore) changes.push({ histogram: 'lead_time', state: leadBefore.state, seconds: leadBefore.seconds, retracted: true });
    if (leadAfter) changes.push({ histogram: 'lead_time', state: leadAfter.state, seconds: leadAfter.seconds, retracted: false });
  }
  return { changes, unobservableStays };
}

function leadIdentity(lead: LeadTime | undefined): string | undefined {
  return lead && `${lead.state}\u0000${lead.startedAt}\u0000${lead.finishedAt}`;
}
