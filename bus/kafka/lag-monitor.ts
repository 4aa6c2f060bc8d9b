import { Registry } from 'prom-client';
import { type Config, type Logger, silentLogger, describeError, UnavailableError } from '../../common';
import { kafkaDriver, type KafkaDriver, type OffsetsReader } from './kafka-driver';
import { createLagMonitorMetrics } from './kafka-metrics';
import { backlogLeft, type StartBacklog } from './start-backlog';
import { assessPartition, nextSample, PARTITION_STATUSES, trimSamples, type PartitionAssessment, type PartitionObservation, type PartitionSample, type PartitionStatus } from './partition-status';

export interface LagMonitorOptions {
  /** The `kafka` section of the config: client, brokers, topic, groupId, lagIntervalMs, lagWindowMs. */
  kafka: Config['kafka'];
  logger?: Logger;
  /** Where the monitor's metrics are registered (a private registry when absent). */
  registry?: Registry;
  /** The monitor's clock in milliseconds (Date.now when absent): stalls and lag seconds are measured by it. */
  now?: () => number;
  /** Called after each reading of the broker with every partition's assessment, by partition. */
  onAssessed?: (assessments: ReadonlyMap<number, PartitionAssessment & { readonly sample: PartitionSample }>) => void;
}

/**
 * Judges the consumer group by the broker's offsets, not by what the consumer says about itself: every
 * `kafka.lagIntervalMs` it reads the group's committed offsets, each partition's high watermark and the
 * members' assignments, and exports for every partition of the topic its lag in messages and seconds,
 * its committed offset and its status (see partition-status.ts). It runs beside the batch handler and
 * does not depend on it, so a partition whose batches keep failing still has a lag series that grows.
 *
 * Every tracker replica runs one and exports the same group-wide values; nothing in the labels says
 * which replica, so `max by (topic, partition)` over the replicas gives one value per partition.
 */
/** One partition as the lag monitor last read it: what the tracker's home page shows. */
export interface PartitionReading {
  readonly partition: number;
  readonly status: PartitionStatus;
  /** Messages not consumed yet. */
  readonly lag: number;
  /** Seconds since the committed offset last moved while there was lag. */
  readonly lagSeconds: number;
  readonly committed: number;
  /** Whether a member of the group has it assigned. */
  readonly owned: boolean;
}

export class LagMonitor {
  private readonly config: Config['kafka'];
  private readonly logger: Logger;
  private readonly driver: KafkaDriver;
  private readonly metrics: ReturnType<typeof createLagMonitorMetrics>;
  private readonly now: () => number;
  private readonly onAssessed: LagMonitorOptions['onAssessed'];
  private readonly history = new Map<number, PartitionSample[]>();
  private startBacklog?: StartBacklog;
  private startBacklogSize = 0;
  private backlogWaiters: Array<(messages: number) => void> = [];
  private readings: PartitionReading[] = [];
  private reader?: OffsetsReader;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private starting?: Promise<void>;
  private closing?: Promise<void>;

  constructor(options: LagMonitorOptions) {
    this.config = options.kafka;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'lag-monitor' });
    // The tracker's: on its consumer's client, so that the process loads one client library.
    this.driver = kafkaDriver(this.config, 'consumer', this.logger);
    this.metrics = createLagMonitorMetrics(options.registry ?? new Registry());
    this.now = options.now ?? Date.now;
    this.onAssessed = options.onAssessed;
  }

  /** Connects to the broker and starts reading it every `kafka.lagIntervalMs`, the first time at once. */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new UnavailableError('the lag monitor is closed'));
    return (this.starting ??= (async () => {
      try {
        this.reader = await this.driver.openOffsetsReader();
      } catch (err) {
        this.starting = undefined;
        throw new UnavailableError(`the lag monitor cannot connect to Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
      }
      this.schedule(0);
    })());
  }

  /** Every partition as the last reading of the broker found it, in partition order (none before the first). */
  latest(): readonly PartitionReading[] {
    return this.readings;
  }

  /**
   * Resolves, with the size of that backlog in messages, once the group has committed on every
   * partition what the topic held at the monitor's first reading: the events that were already on
   * the bus when this tracker started are in the store then. Never rejects; a caller that cannot wait
   * forever bounds it (Kafka down, a partition whose batches keep failing).
   */
  backlogApplied(): Promise<number> {
    return new Promise((resolve) => this.backlogWaiters.push(resolve));
  }

  /** Stops the timer, waits for a reading under way, and disconnects. Safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      // A start under way finishes first, so that the connection it opens is closed here.
      await this.starting?.catch(() => undefined);
      clearTimeout(this.timer);
      await this.polling;
      await this.reader?.close().catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the lag monitor'));
    })());
  }

  private schedule(delayMs: number): void {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: unknown) => {
          this.metrics.failures.inc();
          this.logger.warn({ err }, 'the lag monitor could not read the offsets from Kafka; the partitions keep their last values');
        })
        .finally(() => {
          this.polling = undefined;
          this.schedule(this.config.lagIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One reading of the broker, folded into each partition's samples and exported. */
  private async poll(): Promise<void> {
    const { topic, lagWindowMs } = this.config;
    const { watermarks, committed: committedOf, owned, members } = await this.reader!.read();
    const at = this.now();
    const assessed = new Map<number, PartitionAssessment & { sample: PartitionSample }>();
    const marks = new Map<number, number>();
    const consumedTo = new Map<number, number>();
    for (const w of watermarks) {
      const observation: PartitionObservation = {
        at,
        // No commit yet: the group starts from the beginning (KafkaSource subscribes fromBeginning).
        committed: committedOf.get(w.partition) ?? w.low,
        highWatermark: w.high,
        owned: owned.has(w.partition),
        groupHasMembers: members > 0,
      };
      marks.set(w.partition, observation.highWatermark);
      consumedTo.set(w.partition, observation.committed);
      const previous = this.history.get(w.partition) ?? [];
      const samples = trimSamples([...previous, nextSample(previous[previous.length - 1], observation)], at, lagWindowMs);
      this.history.set(w.partition, samples);
      const assessment = assessPartition(samples, lagWindowMs);
      const sample = samples[samples.length - 1]!;
      this.export(topic, w.partition, sample, assessment);
      assessed.set(w.partition, { ...assessment, sample });
    }
    this.settleBacklog(marks, consumedTo);
    this.readings = [...assessed]
      .sort(([a], [b]) => a - b)
      .map(([partition, { status, lagSeconds, sample }]) => ({ partition, status, lag: sample.lag, lagSeconds, committed: sample.committed, owned: sample.owned }));
    this.onAssessed?.(assessed);
  }

  /**
   * Takes the first reading's high watermarks as the start backlog, and wakes the waiters once it is
   * committed. `committed` holds a partition without a commit at its low watermark, where the group starts.
   */
  private settleBacklog(highWatermarks: ReadonlyMap<number, number>, committed: ReadonlyMap<number, number>): void {
    if (!this.startBacklog) {
      this.startBacklog = highWatermarks;
      this.startBacklogSize = backlogLeft(highWatermarks, committed);
    }
    if (this.backlogWaiters.length === 0 || backlogLeft(this.startBacklog, committed) > 0) return;
    for (const wake of this.backlogWaiters.splice(0)) wake(this.startBacklogSize);
  }

  private export(topic: string, partition: number, sample: PartitionSample, assessment: PartitionAssessment): void {
    const labels = { topic, partition: String(partition) };
    this.metrics.lag.set(labels, sample.lag);
    this.metrics.lagSeconds.set(labels, assessment.lagSeconds);
    this.metrics.committed.set(labels, sample.committed);
    for (const status of PARTITION_STATUSES) this.metrics.status.set({ ...labels, status }, status === assessment.status ? 1 : 0);
  }
}
