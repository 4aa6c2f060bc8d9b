/*
 * A consumer group's partitions judged by the broker's offsets, the way Burrow does it: not by what
 * the consumer says about itself, so that a partition whose handler fails forever (nothing is ever
 * committed, no batch ever succeeds) is seen as well as one that is merely slow. Pure: the lag
 * monitor samples the broker, folds each observation into a sample with {@link nextSample}, and asks
 * {@link assessPartition} for the status of the samples of the last window.
 *
 *   ok ──(lag > 0 and the committed offset still for a window)──► stalled
 *    │ ──(lag grew at every sample of a window, offset moving)───► lagging
 *    │ ──(the committed offset went backwards within the window)─► rewound
 *    └ ──(lag > 0 and no member owns it, or the group is empty)──► unowned
 *
 * No traffic is not a stall: a quiet partition (lag 0, offset not moving) is ok. When several hold,
 * the first of unowned, rewound, stalled, lagging wins: nobody consuming explains the rest, and a
 * rewind explains a lag that grows.
 */

/** A partition's status: the values of the `status` label of orderscope_bus_partition_status. */
export const PARTITION_STATUSES = ['ok', 'stalled', 'lagging', 'rewound', 'unowned'] as const;
export type PartitionStatus = (typeof PARTITION_STATUSES)[number];

/** What the lag monitor read of one partition at one moment. */
export interface PartitionObservation {
  /** When it was read, in milliseconds of the monitor's clock. */
  readonly at: number;
  /** The group's committed offset (the next message it will read); the low watermark when it has committed none. */
  readonly committed: number;
  /** The partition's high watermark (the offset of the next message written). */
  readonly highWatermark: number;
  /** Whether a member of the group has the partition assigned. */
  readonly owned: boolean;
  /** Whether the group has any member at all. */
  readonly groupHasMembers: boolean;
}

/** An observation with what is derived from it and the one before. */
export interface PartitionSample extends PartitionObservation {
  /** Messages not consumed yet: high watermark - committed offset, never below 0. */
  readonly lag: number;
  /**
   * Since when the committed offset has not moved while the lag was above 0; null when the lag is 0.
   * A moving offset restarts it, so it measures being stuck, not being behind.
   */
  readonly stuckSince: number | null;
}

/** The sample `observed` makes after `previous` (undefined for a partition's first observation). */
export function nextSample(previous: PartitionSample | undefined, observed: PartitionObservation): PartitionSample {
  const lag = Math.max(0, observed.highWatermark - observed.committed);
  if (lag === 0) return { ...observed, lag, stuckSince: null };
  const unmoved = previous !== undefined && previous.committed === observed.committed && previous.stuckSince !== null;
  return { ...observed, lag, stuckSince: unmoved ? previous.stuckSince : observed.at };
}

/** A partition's status and its lag in seconds. */
export interface PartitionAssessment {
  readonly status: PartitionStatus;
  /** Seconds since the committed offset last moved while the lag was above 0; 0 when the lag is 0. */
  readonly lagSeconds: number;
}

/**
 * The status of a partition from its samples, oldest first, the last one being now. Only the samples
 * of the last `windowMs` count, plus the last one before them (the value at the window's start);
 * lagging needs the samples to span the whole window.
 */
export function assessPartition(samples: readonly PartitionSample[], windowMs: number): PartitionAssessment {
  const latest = samples[samples.length - 1];
  if (!latest) return { status: 'ok', lagSeconds: 0 };
  const lagSeconds = latest.stuckSince === null ? 0 : (latest.at - latest.stuckSince) / 1000;
  const inWindow = windowOf(samples, latest.at - windowMs);
  if (!latest.groupHasMembers || (latest.lag > 0 && !latest.owned)) return { status: 'unowned', lagSeconds };
  if (inWindow.some((s, i) => i > 0 && s.committed < inWindow[i - 1]!.committed)) return { status: 'rewound', lagSeconds };
  if (latest.stuckSince !== null && latest.at - latest.stuckSince >= windowMs) return { status: 'stalled', lagSeconds };
  if (isLagging(inWindow, latest.at - windowMs)) return { status: 'lagging', lagSeconds };
  return { status: 'ok', lagSeconds };
}

/** The samples a monitor must keep to assess the next one: those of the window and the last before it. */
export function trimSamples(samples: readonly PartitionSample[], now: number, windowMs: number): PartitionSample[] {
  return windowOf(samples, now - windowMs);
}

function windowOf(samples: readonly PartitionSample[], start: number): PartitionSample[] {
  let first = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]!.at <= start) first = i;
  return samples.slice(first);
}

/** Lag grew from sample to sample over a whole window, while the offset moved: consuming, but slower than producing. */
function isLagging(inWindow: readonly PartitionSample[], start: number): boolean {
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  if (!first || !last || first === last || first.at > start) return false;
  if (last.committed <= first.committed || last.lag <= first.lag) return false;
  return inWindow.every((s, i) => i === 0 || s.lag >= inWindow[i - 1]!.lag);
}
