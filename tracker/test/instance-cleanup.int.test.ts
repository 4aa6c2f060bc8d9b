import { addHistogramTotals } from '../histograms';
import { checkLeaseHolder, migrate, openPostgres, removeGoneInstances, takeLease, type Db } from '../store';
import { createTestDatabase } from './postgres';

/*
 * The removal of gone tracker instances on a real PostgreSQL, where several trackers run it at once
 * and live trackers apply batches meanwhile.
 */

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const DAY = 86_400_000;
const total = { metric: 'orderscope_order_state_duration_seconds', state: 'pricing', le: 60, count: 3, sum: 90 };

describe('removing gone tracker instances on PostgreSQL', () => {
  let drop: () => Promise<void>;
  let db: Db;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = openPostgres({ url: database.url, poolSize: 6 });
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  async function expiredInstance(name: string): Promise<void> {
    await takeLease(db, { instance: name, holder: `${name}-holder`, host: 'pod', pid: 1 }, T0 - 3 * DAY, T0 - 2 * DAY);
    await db.transaction((tx) => addHistogramTotals(tx, name, [total]));
  }
  const observers = async () => (await db.query<{ observer: string }>('SELECT DISTINCT observer FROM histogram_totals ORDER BY observer')).map((r) => r.observer);

  it('removes each gone instance once when several trackers run it at once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `gone-${String(i).padStart(2, '0')}`);
    for (const name of names) await expiredInstance(name);

    const runs = await Promise.all(Array.from({ length: 4 }, () => removeGoneInstances(db, T0 - DAY, T0)));
    expect(runs.flat().sort()).toEqual(names);
    expect(await observers()).toEqual([]);
  });

  it('skips an instance whose lease a transaction holds (an apply in flight), however long expired its row says it is', async () => {
    await expiredInstance('applying');
    await expiredInstance('idle');
    let finishApply!: () => void;
    const applyHolds = new Promise<void>((resolve) => (finishApply = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // An apply's first statement locks its instance's row FOR KEY SHARE until it commits.
    const apply = db.transaction(async (tx) => {
      await checkLeaseHolder(tx, 'applying');
      locked();
      await applyHolds;
      await addHistogramTotals(tx, 'applying', [total]);
    });
    await lockTaken;
    try {
      expect(await removeGoneInstances(db, T0 - DAY, T0)).toEqual(['idle']);
    } finally {
      finishApply();
      await apply;
    }
    expect(await observers()).toEqual(['applying']);
  });
});
