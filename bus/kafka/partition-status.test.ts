import { assessPartition, nextSample, trimSamples, type PartitionObservation, type PartitionSample } from './partition-status';

const WINDOW = 60_000;
const T0 = 1_000_000;

/** Folds observations `[committed, highWatermark]` taken every 10 s from T0, owned by a member unless said otherwise. */
function samples(points: ReadonlyArray<readonly [number, number]>, extra: Partial<PartitionObservation> = {}): PartitionSample[] {
  const out: PartitionSample[] = [];
  points.forEach(([committed, highWatermark], i) => {
    out.push(nextSample(out[out.length - 1], { at: T0 + i * 10_000, committed, highWatermark, owned: true, groupHasMembers: true, ...extra }));
  });
  return out;
}

const repeat = (n: number, point: readonly [number, number]) => Array.from({ length: n }, () => point);

describe('partition status', () => {
  it('when nothing was observed yet, the partition is ok with no lag', () => {
    expect(assessPartition([], WINDOW)).toEqual({ status: 'ok', lagSeconds: 0 });
  });

  it('a quiet partition (lag 0, offset not moving) is ok however long it stays quiet', () => {
    expect(assessPartition(samples(repeat(20, [42, 42])), WINDOW)).toEqual({ status: 'ok', lagSeconds: 0 });
  });

  it('when the committed offset stays put while there is lag for a whole window, the partition is stalled', () => {
    const s = samples([[10, 10], ...repeat(7, [10, 15] as const)]);
    // Stuck since the second sample (T0 + 10 s); the last is at T0 + 70 s.
    expect(assessPartition(s, WINDOW)).toEqual({ status: 'stalled', lagSeconds: 60 });
    expect(assessPartition(s.slice(0, 7), WINDOW)).toEqual({ status: 'ok', lagSeconds: 50 });
  });

  it('a partition that keeps up with traffic is ok, its lag seconds restarting with every commit', () => {
    const s = samples([[0, 5], [5, 10], [10, 15], [15, 20], [20, 25], [25, 30], [30, 35], [35, 40]]);
    expect(assessPartition(s, WINDOW)).toEqual({ status: 'ok', lagSeconds: 0 });
    expect(s.map((x) => x.lag)).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
  });

  it('when the lag grows at every sample of a window while the offset moves, the partition is lagging', () => {
    const s = samples([[0, 10], [1, 20], [2, 30], [3, 40], [4, 50], [5, 60], [6, 70], [7, 80]]);
    expect(assessPartition(s, WINDOW)).toEqual({ status: 'lagging', lagSeconds: 0 });
  });

  it('a lag that grew but fell back within the window is not lagging', () => {
    const s = samples([[0, 10], [1, 20], [2, 30], [30, 35], [31, 50], [32, 60], [33, 70], [34, 80]]);
    expect(assessPartition(s, WINDOW).status).toBe('ok');
  });

  it('a growing lag observed for less than a window is not lagging yet', () => {
    const s = samples([[0, 10], [1, 20], [2, 30]]);
    expect(assessPartition(s, WINDOW).status).toBe('ok');
  });

  it('when the committed offset goes backwards, the partition is rewound until the rewind leaves the window', () => {
    const s = samples([[50, 50], [20, 50], [30, 50], [40, 50], [50, 50], [50, 50], [50, 50]]);
    expect(assessPartition(s.slice(0, 2), WINDOW)).toEqual({ status: 'rewound', lagSeconds: 0 });
    expect(assessPartition(s, WINDOW)).toEqual({ status: 'rewound', lagSeconds: 0 });
    expect(assessPartition(samples([[50, 50], [20, 50], ...repeat(7, [50, 50] as const)]), WINDOW)).toEqual({ status: 'ok', lagSeconds: 0 });
  });

  it('a partition with lag that no member owns is unowned; one with no lag is ok', () => {
    expect(assessPartition(samples([[10, 15]], { owned: false }), WINDOW)).toEqual({ status: 'unowned', lagSeconds: 0 });
    expect(assessPartition(samples([[15, 15]], { owned: false }), WINDOW)).toEqual({ status: 'ok', lagSeconds: 0 });
  });

  it('when the group has no member, every partition is unowned, with lag or without', () => {
    expect(assessPartition(samples([[15, 15]], { owned: false, groupHasMembers: false }), WINDOW).status).toBe('unowned');
  });

  it('unowned comes before stalled: nobody consuming explains the stall', () => {
    expect(assessPartition(samples(repeat(8, [10, 15]), { owned: false }), WINDOW)).toEqual({ status: 'unowned', lagSeconds: 70 });
  });

  it('trimming keeps the window and the last sample before it, which is enough to assess the next one', () => {
    const s = samples(repeat(20, [10, 15]));
    const kept = trimSamples(s, s[19]!.at, WINDOW);
    expect(kept.map((x) => x.at - T0)).toEqual([130_000, 140_000, 150_000, 160_000, 170_000, 180_000, 190_000]);
    expect(assessPartition(kept, WINDOW)).toEqual(assessPartition(s, WINDOW));
    expect(assessPartition(kept, WINDOW)).toEqual({ status: 'stalled', lagSeconds: 190 });
  });
});
