import { loadModel } from '../../events';
import { migrate, type Db } from '../store';
import { orderEvent } from '../test/fixtures';
import { applyBatch } from './apply-batch';
import { withStateName } from './state-names';
import { openTestPglite } from '../test/pglite-template';

const model = loadModel(
  `name: labelled
states:
  - { name: receipt, label: "T02 Check confirmation of receipt", aliases: ["Check receipt", "Empfang prüfen"], system: crm }
  - { name: done, label: Done, system: crm, terminal: true }
transitions:
  - { from: receipt, to: done }
`,
  'labelled.yaml',
);

describe('a state written as its label or an alias', () => {
  it("is mapped to the state's name, whatever its case and runs of spaces; a name stays, unknown text is kept as sent", () => {
    const states = ['T02 Check confirmation of receipt', '  t02   CHECK confirmation of RECEIPT ', 'check receipt', 'EMPFANG PRÜFEN', 'receipt', 'done', 'Done', 'T03 Something else', 'Receipt'];
    expect(states.map((state) => withStateName(orderEvent('A-1', state, '2026-03-01T10:00:00Z'), model).state)).toEqual([
      'receipt',
      'receipt',
      'receipt',
      'receipt',
      'receipt',
      'done',
      'done',
      'T03 Something else',
      // A name is matched exactly; "Receipt" is no label or alias either, and labels are compared without case only.
      'Receipt',
    ]);
  });

  describe('applied by the tracker', () => {
    let db: Db;
    beforeAll(async () => {
      db = await openTestPglite();
      await migrate(db);
    });
    afterAll(() => db.close());

    it('stores the name, builds the stays from it, and flags only text that means no state', async () => {
      await applyBatch(db, model, [
        orderEvent('L-1', 'T02 Check confirmation of receipt', '2026-03-01T10:00:00Z', { source: 'crm' }),
        orderEvent('L-1', 'done', '2026-03-01T10:05:00Z', { source: 'crm' }),
        orderEvent('L-2', 'check   RECEIPT', '2026-03-01T11:00:00Z', { source: 'crm' }),
        orderEvent('L-2', 'T09 Archived', '2026-03-01T11:30:00Z', { source: 'crm' }),
      ], 'test', () => Date.UTC(2026, 2, 1, 12));
      expect(await db.query(`SELECT order_id, state, violation FROM events ORDER BY order_id, occurred_at`)).toEqual([
        { order_id: 'L-1', state: 'receipt', violation: null },
        { order_id: 'L-1', state: 'done', violation: null },
        { order_id: 'L-2', state: 'receipt', violation: null },
        { order_id: 'L-2', state: 'T09 Archived', violation: 'unknown_state' },
      ]);
      expect(await db.query(`SELECT order_id, state, round(duration_seconds)::int AS seconds FROM stays ORDER BY order_id`)).toEqual([
        { order_id: 'L-1', state: 'receipt', seconds: 300 },
        { order_id: 'L-2', state: 'receipt', seconds: 1800 },
      ]);
    });
  });
});
