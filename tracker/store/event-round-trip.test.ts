import { checkRoundTrip } from '../test/event-round-trip';
import { migrate } from './migrate';
import type { Db } from './db';
import { openTestPglite } from '../test/pglite-template';

let db: Db;
beforeAll(async () => {
  db = await openTestPglite();
  await migrate(db);
});
afterAll(() => db.close());

describe('the event store on PGlite', () => {
  it('stores and reads back identically every event the contract accepts (property, 10 batches of 20 events)', async () => {
    await checkRoundTrip(db, { runs: 10, batchSize: 20 });
  });
});
