import fc from 'fast-check';
import { kafkajsPartitionOf, metadataOf } from '../test/kafkajs-partitions';
import { javaCompatiblePartition, murmur2 } from './key-hash';
import { javaCompatiblePartitioner } from './kafkajs/kafkajs-driver';
import { loadPlatformatic } from './platformatic/load-platformatic';

describe('murmur2 of a message key', () => {
  // Apache Kafka's own expectations for Utils.murmur2 (UtilsTest.testMurmur2): tails of 0, 2 and 3 bytes, and
  // the sign bit. A 1-byte tail is in the properties below, against both libraries.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('gives the Java client\'s hash of "%s": %i', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });

  // Not among Kafka's expectations: the value kafkajs's and @platformatic/kafka's hashes give.
  it('hashes the empty key (the seed through the final mix alone)', () => {
    expect(murmur2(Buffer.alloc(0))).toBe(275646681);
  });

  it('sends any key to the partition that @platformatic/kafka\'s compatibility partitioner and kafkajs send it to', async () => {
    const { compatibilityPartitioner } = await loadPlatformatic();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (bytes, partitions) => {
        const key = Buffer.from(bytes);
        const ours = javaCompatiblePartition(undefined, key);
        // The library's producer takes the partitioner's number modulo the topic's partition count.
        expect(ours).toBe(compatibilityPartitioner({ topic: 'order-events' }, key));
        expect(ours % partitions).toBe(kafkajsPartitionOf(key, partitions));
      }),
      { numRuns: 2000 },
    );
  });

  it('sends a message without a key to partition 0, as the library does', () => {
    expect(javaCompatiblePartition(undefined, undefined)).toBe(0);
  });

  it('kafkajs, as the bus configures it, sends any key, text or bytes, where its own default partitioner does', () => {
    const ours = javaCompatiblePartitioner();
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)));
    fc.assert(
      fc.property(key, fc.integer({ min: 1, max: 64 }), (k, partitions) => {
        expect(ours({ topic: 'order-events', partitionMetadata: metadataOf(partitions), message: { key: k, value: 'x' } })).toBe(kafkajsPartitionOf(k, partitions));
      }),
      { numRuns: 2000 },
    );
  });

  it('kafkajs, as the bus configures it, keeps a message\'s own partition and sends one without a key to a partition with a leader', () => {
    const ours = javaCompatiblePartitioner();
    const partitionMetadata = metadataOf(6, [0, 1, 2, 4, 5]);
    expect(ours({ topic: 'order-events', partitionMetadata, message: { key: 'ORD-1', value: 'x', partition: 5 } })).toBe(5);
    for (let i = 0; i < 10; i++) expect(ours({ topic: 'order-events', partitionMetadata, message: { key: null, value: 'x' } })).toBe(3);
  });
});
