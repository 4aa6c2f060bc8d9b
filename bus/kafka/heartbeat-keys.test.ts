import { isHeartbeat, heartbeatEvent, validateOrderEvent } from '../../events';
import { kafkajsPartitionOf } from '../test/kafkajs-partitions';
import { heartbeatOrderIds } from './heartbeat-keys';

describe('heartbeat order ids', () => {
  it.each([1, 3, 6])('for %i partitions, kafkajs sends exactly one id to each partition', (partitions) => {
    const ids = heartbeatOrderIds(partitions);
    expect(ids).toHaveLength(partitions);
    expect(new Set(ids).size).toBe(partitions);
    expect(ids.map((id) => kafkajsPartitionOf(id, partitions))).toEqual(Array.from({ length: partitions }, (_, i) => i));
  });

  it('one partition gets the first id of the reserved space', () => {
    expect(heartbeatOrderIds(1)).toEqual(['orderscope.heartbeat:0']);
  });

  it('every id makes a heartbeat that the contract accepts and the tracker recognises', () => {
    const now = Date.UTC(2030, 0, 2, 3, 4, 5);
    for (const id of heartbeatOrderIds(6)) {
      const result = validateOrderEvent(heartbeatEvent(id, now), new Date(now));
      expect(result).toEqual({ ok: true, event: expect.objectContaining({ order_id: id, source: 'orderscope', state: 'heartbeat', occurred_at: '2030-01-02T03:04:05.000Z' }) });
      expect(isHeartbeat(heartbeatEvent(id, now))).toBe(true);
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => heartbeatOrderIds(0)).toThrow(RangeError);
  });
});
