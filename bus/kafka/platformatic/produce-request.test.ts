import fc from 'fast-check';
import { loadPlatformatic, type Platformatic } from './load-platformatic';
import { leanProduceApi, leanProduceRequest } from './produce-request';

type CreateProduceRequest = Platformatic['produceV11']['createRequest'];
type MessageRecord = Parameters<CreateProduceRequest>[2][number];
type Options = NonNullable<Parameters<CreateProduceRequest>[3]>;

const TOPIC = 'orderscope-order-events';

let kafka: Platformatic;
beforeAll(async () => {
  kafka = await loadPlatformatic();
});

/**
 * Writes one request both ways and returns the two encodings. Ours runs first, on its own copy of the
 * messages, and stamps them as the library does; the library then gets those stamps, so the two are
 * compared without depending on the clock.
 */
function bothWays(acks: number, timeout: number, messages: readonly MessageRecord[], options: () => Options) {
  const ours = messages.map((m) => ({ ...m }));
  const theirs = messages.map((m) => ({ ...m }));
  const lean = leanProduceRequest(kafka, kafka.produceV11.createRequest)(acks, timeout, ours, options());
  ours.forEach((m, i) => (theirs[i]!.timestamp = m.timestamp));
  const library = kafka.produceV11.createRequest(acks, timeout, theirs, options());
  return { lean, library };
}

function idempotent(): Options {
  const sequences = new kafka.NumericMap();
  sequences.set(`${TOPIC}:0`, 12);
  sequences.set(`${TOPIC}:3`, 2_000_000_000);
  return { producerId: 4242n, producerEpoch: 7, sequences, compression: 'none', partitionLeaderEpoch: 0 };
}

const bytes = (n: number, fill = 0x61) => Buffer.alloc(n, fill);

describe('Produce requests written in one pass', () => {
  it("writes the library's bytes for the collector's kind of request: one topic, keys, values, sequences", () => {
    // Partitions out of order, null keys, an empty value, lengths at each varint boundary (zigzag: 63/64,
    // 8191/8192), offset deltas past 63 within a partition, and a non-ASCII key.
    const values = [0, 1, 63, 64, 300, 8191, 8192, 70_000];
    const messages: MessageRecord[] = Array.from({ length: 200 }, (_, i) => ({
      topic: TOPIC,
      partition: [5, 0, 3, 0, 0, 2][i % 6]!,
      key: i % 17 === 0 ? undefined : Buffer.from(i % 5 === 0 ? `SO-ü-${i}` : `SO-${i}`, 'utf8'),
      value: bytes(values[i % values.length]!),
    }));
    const { lean, library } = bothWays(-1, 5000, messages, idempotent);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
    expect(lean.context.noResponse).toBeUndefined();
  });

  it('marks a request with acks 0 as answered by nothing, as the library does', () => {
    const { lean, library } = bothWays(0, 0, [{ topic: TOPIC, partition: 1, key: bytes(3), value: bytes(10) }], () => ({}) as Options);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
    expect(lean.context.noResponse).toBe(true);
    expect(library.context.noResponse).toBe(true);
  });

  it('keeps the instant it stamped, so that a retry of the same messages writes the same request', () => {
    const messages: MessageRecord[] = [{ topic: TOPIC, partition: 0, key: bytes(2), value: bytes(4) }];
    const write = leanProduceRequest(kafka, kafka.produceV11.createRequest);
    const first = write(-1, 100, messages, idempotent()).buffer;
    expect(typeof messages[0]!.timestamp).toBe('bigint');
    expect(write(-1, 100, messages, idempotent()).buffer.equals(first)).toBe(true);
  });

  // What the one pass does not take goes to the library's own builder; a partition not yet chosen is 0 in both.
  it.each<[string, (m: MessageRecord, i: number) => MessageRecord, Partial<Options>]>([
    ['headers', (m) => ({ ...m, headers: new Map([[bytes(1, 0x68), bytes(2, 0x76)]]) }), {}],
    ['two topics', (m, i) => ({ ...m, topic: i % 2 ? TOPIC : 'other' }), {}],
    ['timestamps of their own', (m, i) => ({ ...m, timestamp: 1_767_225_600_000n + BigInt(i) }), {}],
    ['a transaction', (m) => m, { transactionalId: 'tx-1' }],
    ['compression', (m) => m, { compression: 'gzip' }],
    ['a partition not yet chosen', (m, i) => (i === 1 ? { ...m, partition: undefined } : m), {}],
  ])("writes the library's bytes for a request with %s", (_, shape, extra) => {
    const messages = Array.from({ length: 6 }, (_, i) => shape({ topic: TOPIC, partition: i % 3, key: bytes(i + 1), value: bytes(20 + i) }, i));
    const options = () => ({ ...idempotent(), ...extra }) as Options;
    const { lean, library } = bothWays(-1, 5000, messages, options);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
  });

  it("writes the library's bytes for any batch of keyed messages", () => {
    const message = fc.record({
      partition: fc.integer({ min: 0, max: 63 }),
      key: fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
      value: fc.uint8Array({ maxLength: 400 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 120 }), fc.integer({ min: 0, max: 5 }), (drawn, sequenceSeed) => {
        const messages = drawn.map(({ partition, key, value }) => ({ topic: TOPIC, partition, key: key && Buffer.from(key), value: Buffer.from(value) }));
        const options = () => {
          const o = idempotent();
          o.sequences!.set(`${TOPIC}:${sequenceSeed}`, sequenceSeed * 1000);
          return o;
        };
        const { lean, library } = bothWays(-1, 30_000, messages, options);
        expect(lean.buffer.equals(library.buffer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the lean Produce API', () => {
  it('replaces the request writer of Produce 9 to 11 and keeps the key and version', () => {
    for (const definition of [kafka.produceV9, kafka.produceV10, kafka.produceV11]) {
      const lean = leanProduceApi(definition.api, kafka);
      expect(lean).not.toBe(definition.api);
      expect([lean.key, lean.version]).toEqual([definition.api.key, definition.api.version]);
    }
  });

  it('leaves older Produce versions and other APIs as they are', () => {
    expect(leanProduceApi(kafka.produceV8.api, kafka)).toBe(kafka.produceV8.api);
    expect(leanProduceApi(kafka.metadataV12.api, kafka)).toBe(kafka.metadataV12.api);
  });
});
