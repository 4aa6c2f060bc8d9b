import { heartbeatKpi } from './home-page';

const NOW_MS = Date.UTC(2034, 6, 8, 9, 10, 11);
const now = NOW_MS * 1000;

describe('the home page\'s tracking heartbeat', () => {
  it('shows the age of the stalest partition, good within two intervals', () => {
    expect(heartbeatKpi({ intervalMs: 15_000, partitions: [{ partition: '0', occurredAtMs: NOW_MS - 5000 }, { partition: '1', occurredAtMs: NOW_MS - 12_000 }, { partition: '2', occurredAtMs: NOW_MS - 1000 }] }, now)).toEqual({
      label: 'Tracking heartbeat', value: '12s ago', note: 'partition 1, the stalest of 3', tone: 'good',
    });
  });

  it('turns amber past two intervals and red past four', () => {
    expect(heartbeatKpi({ intervalMs: 15_000, partitions: [{ partition: 'in-process', occurredAtMs: NOW_MS - 45_000 }] }, now)).toMatchObject({ value: '45s ago', note: 'partition in-process', tone: 'warn' });
    expect(heartbeatKpi({ intervalMs: 15_000, partitions: [{ partition: '0', occurredAtMs: NOW_MS - 61_000 }] }, now)).toMatchObject({ tone: 'bad' });
  });

  it('says when no heartbeat was applied yet, and when heartbeats are off', () => {
    expect(heartbeatKpi({ intervalMs: 15_000, partitions: [] }, now)).toEqual({ label: 'Tracking heartbeat', value: '—', note: 'no heartbeat applied since this tracker started', tone: 'warn' });
    expect(heartbeatKpi({ intervalMs: 0, partitions: [] }, now)).toMatchObject({ value: '—', note: 'collector heartbeats are off (collector.heartbeatIntervalMs)' });
  });
});
