import { groupBy, uvarintSize, writeUvarint32 } from '../../../common';
import type { Platformatic } from './load-platformatic';

/** The Produce request builder of @platformatic/kafka's API definitions. */
type CreateProduceRequest = Platformatic['produceV11']['createRequest'];
type MessageRecord = Parameters<CreateProduceRequest>[2][number];
type CreateRecordsBatchOptions = NonNullable<Parameters<CreateProduceRequest>[3]>;

/** The Produce versions whose request this module writes: 9 to 11 share one layout (flexible, record batches v2). */
const LEAN_VERSIONS: ReadonlySet<number> = new Set([9, 10, 11]);

/** Bytes of a record batch's header, from its base offset to its record count. */
const BATCH_HEADER_BYTES = 61;
/** Where the CRC-covered part of a batch begins: after base offset, length, leader epoch, magic and the CRC itself. */
const CRC_FROM = 21;
/**
 * The longest key or value the one pass writes: its varints are 32-bit integer arithmetic, exact
 * while a record's length stays below 2^30. Kafka's own limit on a message is far below (1 MiB by
 * default); a larger one goes to the library's builder.
 */
const MAX_ONE_PASS_BYTES = 2 ** 28;

/**
 * Writes Produce requests (versions 9 to 11) byte for byte as @platformatic/kafka's own
 * `createRequest` does, in one Buffer sized up front. The library's builder gives every record its
 * own writer, a Buffer per varint and a BigInt timestamp, and then concatenates them: about a fifth
 * of the collector's thread went there (issue 18). What it writes, sequences and producer id
 * included, is the library's: only the writing differs.
 *
 * The one-pass path takes what the collector's producer sends: one topic, no compression, no
 * transaction, no headers, one timestamp for the whole request (the library stamps a request's
 * messages with one instant). Anything else goes to the library's builder (`general`), so a request
 * is never written differently from the library's.
 */
export function leanProduceRequest(kafka: Pick<Platformatic, 'Writer' | 'crc32c'>, general: CreateProduceRequest): CreateProduceRequest {
  return (acks = 1, timeout = 0, topicData, options = {}) => {
    // The library's normalization, which it keeps on the messages (a retry sees the same instant).
    const now = BigInt(Date.now());
    for (const message of topicData) {
      if (message.partition === undefined) message.partition = 0;
      if (message.timestamp === undefined) message.timestamp = now;
    }
    if (!fitsOnePass(topicData, options)) return general(acks, timeout, topicData, options);
    const topic = Buffer.from(topicData[0]!.topic, 'utf8');
    const partitions = byPartition(topicData);

    let size = 1 + 2 + 4 + 1 + uvarintSize(topic.length + 1) + topic.length + uvarintSize(partitions.length + 1) + 1 + 1;
    const batchSizes: number[] = [];
    for (const [, messages] of partitions) {
      let batch = BATCH_HEADER_BYTES;
      for (let i = 0; i < messages.length; i++) batch += recordSize(messages[i]!, i);
      batchSizes.push(batch);
      size += 4 + uvarintSize(batch + 1) + batch + 1;
    }

    const out = Buffer.allocUnsafe(size);
    let at = 0;
    out[at++] = 0; // transactional_id: null
    at = out.writeInt16BE(acks, at);
    at = out.writeInt32BE(timeout, at);
    at = writeUvarint32(out, at, 2); // one topic
    at = writeUvarint32(out, at, topic.length + 1);
    at += topic.copy(out, at);
    at = writeUvarint32(out, at, partitions.length + 1);
    partitions.forEach(([partition, messages], p) => {
      at = out.writeInt32BE(partition, at);
      at = writeUvarint32(out, at, batchSizes[p]! + 1);
      at = writeBatch(out, at, batchSizes[p]!, partition, messages, options, kafka.crc32c, kafka.Writer);
      out[at++] = 0; // the partition's tagged fields
    });
    out[at++] = 0; // the topic's tagged fields
    out[at++] = 0; // the request's tagged fields
    if (at !== size) throw new Error(`a Produce request was sized ${size} bytes and written in ${at}`);

    const writer = kafka.Writer.create().append(out);
    if (acks === 0) writer.context.noResponse = true;
    return writer;
  };
}

/**
 * Wraps a Produce API of @platformatic/kafka so that its requests are written by
 * {@link leanProduceRequest}; other versions and other APIs are returned as they are. The response
 * is read by the library's own parser of the same version.
 */
export function leanProduceApi<A extends ApiOf>(api: A, kafka: Platformatic): A {
  if (api.key !== 0 || !LEAN_VERSIONS.has(api.version)) return api;
  let lean = leanApis.get(api);
  if (!lean) {
    const definition = { 9: kafka.produceV9, 10: kafka.produceV10, 11: kafka.produceV11 }[api.version as 9 | 10 | 11];
    lean = kafka.createAPI(0, api.version, leanProduceRequest(kafka, definition.createRequest), definition.parseResponse);
    leanApis.set(api, lean);
  }
  return lean as A;
}

/** An API of the library, as far as this module reads it. */
interface ApiOf {
  readonly key: number;
  readonly version: number;
}

/** Each Produce API's lean twin, made once: the client looks the API up for every send. */
const leanApis = new WeakMap<ApiOf, ApiOf>();

/** The client's API lookup (`kGetApi`), as far as this module uses it. */
type ApiLookUp = (name: string, callback: (error: Error | null, api?: ApiOf) => void) => void;

/**
 * Has a producer write its Produce requests through {@link leanProduceApi}: the client looks every
 * API up through `kGetApi` (exported for extensions), so wrapping this one instance's lookup is the
 * whole change; retries, sequences and the idempotent producer's bookkeeping stay the library's.
 */
export function writeProduceRequestsLean(producer: object, kafka: Platformatic): void {
  const lookUp = (producer as Record<symbol, ApiLookUp>)[kafka.kGetApi]!.bind(producer);
  const leanLookUp: ApiLookUp = (name, callback) =>
    lookUp(name, name === 'Produce' ? (error, api) => callback(error, api && leanProduceApi(api, kafka)) : callback);
  Object.defineProperty(producer, kafka.kGetApi, { value: leanLookUp });
}

function fitsOnePass(topicData: readonly MessageRecord[], options: CreateRecordsBatchOptions): boolean {
  if (topicData.length === 0 || !absent(options.transactionalId) || (options.compression ?? 'none') !== 'none') return false;
  const { topic, timestamp } = topicData[0]!;
  for (const m of topicData) {
    if (m.topic !== topic || m.timestamp !== timestamp || !(absent(m.headers) || (m.headers instanceof Map && m.headers.size === 0))) return false;
    if (!Number.isInteger(m.partition) || m.partition! < 0 || !Buffer.isBuffer(m.value) || m.value.length > MAX_ONE_PASS_BYTES) return false;
    if (!absent(m.key) && !(Buffer.isBuffer(m.key) && m.key.length <= MAX_ONE_PASS_BYTES)) return false;
  }
  return typeof timestamp === 'bigint';
}

/** Messages by partition, partitions ascending: the order of the library's `groupByProperty` on integer keys. */
function byPartition(topicData: readonly MessageRecord[]): [number, MessageRecord[]][] {
  return [...groupBy(topicData, (m) => m.partition!)].sort((a, b) => a[0] - b[0]);
}

/** A record's bytes with its length prefix: attributes, timestamp delta 0, offset delta, key, value, no headers. */
function recordSize(m: MessageRecord, offsetDelta: number): number {
  const body = recordBodySize(m, offsetDelta);
  return varintSize(body) + body;
}

function recordBodySize(m: MessageRecord, offsetDelta: number): number {
  const key = absent(m.key) ? 1 : varintSize(m.key.length) + m.key.length;
  return 1 + 1 + varintSize(offsetDelta) + key + varintSize(m.value.length) + m.value.length + 1;
}

function writeBatch(
  out: Buffer,
  start: number,
  size: number,
  partition: number,
  messages: readonly MessageRecord[],
  options: CreateRecordsBatchOptions,
  crc32c: Platformatic['crc32c'],
  Writer: Platformatic['Writer'],
): number {
  const timestamp = messages[0]!.timestamp!;
  let at = out.writeBigInt64BE(0n, start); // base offset
  at = out.writeInt32BE(size - 12, at); // bytes after this field
  at = out.writeInt32BE(options.partitionLeaderEpoch ?? 0, at);
  out[at++] = 2; // magic: record batch v2
  const crcAt = at;
  at += 4;
  at = out.writeInt16BE(0, at); // attributes: no compression, no transaction
  at = out.writeInt32BE(messages.length - 1, at); // last offset delta
  at = out.writeBigInt64BE(timestamp, at); // first timestamp
  at = out.writeBigInt64BE(timestamp, at); // max timestamp
  at = out.writeBigInt64BE(options.producerId ?? -1n, at);
  at = out.writeInt16BE(options.producerEpoch ?? 0, at);
  at = out.writeInt32BE(options.sequences ? options.sequences.getWithDefault(`${messages[0]!.topic}:${partition}`, 0) : 0, at);
  at = out.writeInt32BE(messages.length, at);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    at = writeVarint(out, at, recordBodySize(m, i));
    out[at++] = 0; // attributes
    out[at++] = 0; // timestamp delta: one instant per request
    at = writeVarint(out, at, i);
    if (absent(m.key)) at = writeVarint(out, at, -1);
    else {
      at = writeVarint(out, at, m.key.length);
      at += m.key.copy(out, at);
    }
    at = writeVarint(out, at, m.value.length);
    at += m.value.copy(out, at);
    out[at++] = 0; // no headers
  }
  // Through a writer, whose buffer the library's CRC reads in place (a plain Buffer it would copy).
  out.writeUInt32BE(crc32c(Writer.create().append(out.subarray(start + CRC_FROM, at)).dynamicBuffer), crcAt);
  return at;
}

/** A nullable field left out: the library writes undefined and null alike. */
function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** Kafka's signed varint: zigzag, then an unsigned varint. Lengths and offsets here are far below 2^30. */
function writeVarint(out: Buffer, at: number, value: number): number {
  return writeUvarint32(out, at, (value << 1) ^ (value >> 31));
}

function varintSize(value: number): number {
  return uvarintSize((value << 1) ^ (value >> 31));
}
