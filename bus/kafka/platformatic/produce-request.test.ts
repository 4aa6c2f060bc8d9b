import fc from 'fast-check';
import { loadPlatformatic, type Platformatic } from './load-platformatic';
import { leanProduceApi, leanProduceRequest, writeProduceRequestsLean } from './produce-request';

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

/** Whether a request was written in one pass: the library's builder leaves a buffer per field and record. */
const onePass = (writer: ReturnType<CreateProduceRequest>) => writer.dynamicBuffer.buffers.length === 1;

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
      // As the producer hands them over: headers an empty Map.
      headers: new Map(),
    }));
    const { lean, library } = bothWays(-1, 5000, messages, idempotent);
    expect(onePass(lean)).toBe(true);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
    expect(lean.context.noResponse).toBeUndefined();
  });

  it('writes offset deltas of up to three varint bytes (a partition of 8,200 messages) as the library does', () => {
    const messages: MessageRecord[] = Array.from({ length: 8200 }, (_, i) => ({ topic: TOPIC, partition: 4, key: bytes(1 + (i % 3)), value: bytes(i % 50) }));
    const { lean, library } = bothWays(-1, 5000, messages, idempotent);
    expect(onePass(lean)).toBe(true);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
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
    const stamp = messages[0]!.timestamp;
    expect(typeof stamp).toBe('bigint');
    expect(write(-1, 100, messages, idempotent()).buffer.equals(first)).toBe(true);
    expect(messages[0]!.timestamp).toBe(stamp);
  });

  // What the one pass does not take goes to the library's own builder, whose bytes these are then.
  it.each<[string, (m: MessageRecord, i: number) => MessageRecord, Partial<Options>]>([
    ['headers', (m) => ({ ...m, headers: new Map([[bytes(1, 0x68), bytes(2, 0x76)]]) }), {}],
    ['two topics', (m, i) => ({ ...m, topic: i % 2 ? TOPIC : 'other' }), {}],
    ['timestamps of their own', (m, i) => ({ ...m, timestamp: 1_767_225_600_000n + BigInt(i) }), {}],
    ['a transaction', (m) => m, { transactionalId: 'tx-1' }],
    ['compression', (m) => m, { compression: 'gzip' }],
    ['a partition of null', (m, i) => (i === 1 ? ({ ...m, partition: null } as unknown as MessageRecord) : m), {}],
  ])("leaves a request with %s to the library's builder", (_, shape, extra) => {
    const messages = Array.from({ length: 6 }, (_, i) => shape({ topic: TOPIC, partition: i % 3, key: bytes(i + 1), value: bytes(20 + i) }, i));
    const options = () => ({ ...idempotent(), ...extra }) as Options;
    const { lean, library } = bothWays(-1, 5000, messages, options);
    expect(onePass(lean)).toBe(false);
    expect(lean.buffer.equals(library.buffer)).toBe(true);
  });

  it('takes a partition not yet chosen as partition 0, as the library does', () => {
    const messages: MessageRecord[] = [0, 1, 2].map((i) => ({ topic: TOPIC, partition: i === 1 ? undefined : 2, key: bytes(2), value: bytes(5) }));
    const { lean, library } = bothWays(-1, 5000, messages, idempotent);
    expect(onePass(lean)).toBe(true);
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
        expect(onePass(lean)).toBe(true);
        expect(lean.buffer.equals(library.buffer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** An API as the client calls it: a connection, then the request's arguments. */
type SendingApi = (connection: never, ...args: unknown[]) => void;

describe('the lean Produce API', () => {
  /** What an API hands the connection: its version, its request (built at once) and its response parser. */
  function sentThrough(api: SendingApi, ...args: unknown[]) {
    let sent: { version: number; payload: ReturnType<CreateProduceRequest>; parser: unknown } | undefined;
    const connection = {
      send: (_key: number, version: number, createPayload: () => ReturnType<CreateProduceRequest>, parser: unknown) => (sent = { version, payload: createPayload(), parser }),
    };
    api(connection as never, ...args);
    return sent!;
  }

  it('writes the requests of Produce 9 to 11 in one pass, and reads their answers with the same version\'s parser', () => {
    for (const definition of [kafka.produceV9, kafka.produceV10, kafka.produceV11]) {
      const lean = leanProduceApi(definition.api, kafka);
      expect([lean.key, lean.version]).toEqual([definition.api.key, definition.api.version]);
      expect(leanProduceApi(definition.api, kafka)).toBe(lean);
      const sent = sentThrough(lean as unknown as SendingApi, -1, 5000, [{ topic: TOPIC, partition: 0, key: bytes(2), value: bytes(3) }], idempotent());
      expect(sent.version).toBe(definition.api.version);
      expect(sent.parser).toBe(definition.parseResponse);
      expect(onePass(sent.payload)).toBe(true);
    }
  });

  it('leaves older Produce versions and other APIs as they are', () => {
    expect(leanProduceApi(kafka.produceV8.api, kafka)).toBe(kafka.produceV8.api);
    expect(leanProduceApi(kafka.metadataV12.api, kafka)).toBe(kafka.metadataV12.api);
  });

  it("is what a producer's own lookup hands out for Produce, and only for Produce", async () => {
    const producer = new kafka.Producer({ clientId: 'produce-request-test', bootstrapBrokers: ['127.0.0.1:9'] });
    try {
      // The APIs the broker would list, without one: the lookup asks kListApis when it has none yet.
      Object.defineProperty(producer, kafka.kListApis, {
        value: (callback: (error: null, apis: unknown[]) => void) =>
          callback(null, [
            { name: 'Produce', minVersion: 3, maxVersion: 11 },
            { name: 'Metadata', minVersion: 0, maxVersion: 12 },
          ]),
      });
      writeProduceRequestsLean(producer, kafka);
      const lookUp = (name: string) =>
        new Promise((resolve, reject) =>
          (producer as unknown as Record<symbol, (name: string, cb: (e: Error | null, api?: unknown) => void) => void>)[kafka.kGetApi]!(name, (e, api) => (e ? reject(e) : resolve(api))),
        );
      const produce = (await lookUp('Produce')) as SendingApi & { version: number };
      expect(produce.version).toBe(11);
      expect(onePass(sentThrough(produce, -1, 5000, [{ topic: TOPIC, partition: 0, key: bytes(2), value: bytes(3) }], idempotent()).payload)).toBe(true);
      const metadata = (await lookUp('Metadata')) as { key: number; version: number };
      expect([metadata.key, metadata.version]).toEqual([kafka.metadataV12.api.key, 12]);
    } finally {
      await producer.close();
    }
  });
});
