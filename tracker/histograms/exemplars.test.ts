import type { HistogramChange } from './histogram-changes';
import { LatestExemplars } from './exemplars';
import { orderEvent } from '../test/fixtures';

const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('the exemplars of the time-in-state histogram', () => {
  const traced = orderEvent('o-1', 'pricing', NOW, { trace_id: TRACE_A });
  const later = orderEvent('o-2', 'pricing', NOW, { trace_id: TRACE_B });
  const untraced = orderEvent('o-3', 'pricing', NOW);
  const observed = (state: string, seconds: number, closedByEventId: string, retracted = false): HistogramChange => ({ histogram: 'state_duration', state, seconds, retracted, closedByEventId });

  it("keeps per state and bucket the trace of the event that ended the newest stay there", () => {
    const exemplars = new LatestExemplars([60, 300]);
    exemplars.record([observed('placed', 45, traced.event_id), observed('placed', 400, traced.event_id)], [traced], NOW);
    exemplars.record([observed('placed', 50, later.event_id)], [later], NOW + 1000);
    expect(exemplars.of('placed', 0)).toEqual({ labelSet: { trace_id: TRACE_B }, value: 50, timestamp: (NOW + 1000) / 1000 });
    expect(exemplars.of('placed', 1)).toBeUndefined();
    expect(exemplars.of('placed', 2)).toEqual({ labelSet: { trace_id: TRACE_A }, value: 400, timestamp: NOW / 1000 });
  });

  it('ignores retractions, lead times and events without a trace, keeping the exemplar there was', () => {
    const exemplars = new LatestExemplars([60]);
    exemplars.record([observed('placed', 10, traced.event_id)], [traced], NOW);
    exemplars.record(
      [observed('placed', 20, later.event_id, true), { histogram: 'lead_time', state: 'shipped', seconds: 5, retracted: false }, observed('placed', 30, untraced.event_id)],
      [later, untraced],
      NOW + 1000,
    );
    expect(exemplars.of('placed', 0)?.labelSet.trace_id).toBe(TRACE_A);
    expect(exemplars.of('shipped', 0)).toBeUndefined();
  });
});
