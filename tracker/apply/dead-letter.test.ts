import { unreadableLetter } from './dead-letter';

const origin = { topic: 'order-events', partition: 1, offset: '17' };
const letter = (raw: string | Buffer) => unreadableLetter({ raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw), reason: 'invalid_event', error: 'bad', origin });

describe('the letter of a message that is not an order event', () => {
  it('is keyed by its offset and keeps its bytes exactly', () => {
    const raw = Buffer.from([0x7b, 0xff, 0x00]);
    expect(letter(raw)).toEqual({ key: 'order-events/1@17', raw, eventId: null, orderId: null, reason: 'invalid_event', error: 'bad', origin });
  });

  it('names the order and event it is about when they have the contract\'s form', () => {
    const named = letter(JSON.stringify({ order_id: 'SO-1', event_id: '7d9f1c52-4a7e-4a39-9a53-3f0d8c2b1e11', attributes: { note: 'a\u0000b' } }));
    expect([named.orderId, named.eventId]).toEqual(['SO-1', '7d9f1c52-4a7e-4a39-9a53-3f0d8c2b1e11']);
  });

  it('names nothing the store could not hold: a NUL, a lone surrogate, an overlong or non-string id', () => {
    for (const order_id of ['a\u0000b', '\ud800', 'x'.repeat(129), 42, '']) {
      expect(letter(JSON.stringify({ order_id, event_id: 'not-a-uuid' }))).toMatchObject({ orderId: null, eventId: null });
    }
  });
});
