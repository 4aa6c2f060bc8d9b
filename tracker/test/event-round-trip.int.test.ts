import { migrate, openPostgres, type Db } from '../store';
import { checkRoundTrip } from './event-round-trip';
import { createTestDatabase } from './postgres';

let database: { url: string; drop: () => Promise<void> };
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = openPostgres({ url: database.url });
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('the event store on PostgreSQL', () => {
  it('stores and reads back identically every event the contract accepts (property, 25 batches of 40 events)', async () => {
    await checkRoundTrip(db, { runs: 25, batchSize: 40 });
  });
});
