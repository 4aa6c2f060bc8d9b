import { isTransactionStatement, operationOf, statementSpanName } from '../pg-spans';

describe("a pg statement's operation and span name", () => {
  it.each([
    ['SELECT 1', 'SELECT'],
    ['  insert into orders VALUES ($1)', 'INSERT'],
    ['UPDATE\n  orders SET state = $2', 'UPDATE'],
    ['commit;', 'COMMIT'],
    ['BEGIN', 'BEGIN'],
    ['ROLLBACK TO SAVEPOINT before_insert', 'ROLLBACK'],
    ['WITH moved AS (DELETE FROM outbox RETURNING *) SELECT 1', 'WITH'],
    ['', ''],
  ])('%j is a %j', (text, operation) => expect(operationOf(text)).toBe(operation));

  it.each(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE'])('%s only delimits a transaction', (operation) => expect(isTransactionStatement(operation)).toBe(true));

  // Only the whole word counts: a statement whose first word merely starts like one is a statement.
  it.each(['SELECT', 'INSERT', 'BEGINNING', 'COMMITS', 'WITH', ''])('%j is a statement of its own', (operation) => expect(isTransactionStatement(operation)).toBe(false));

  it("is named as OpenTelemetry's pg instrumentation names it: by operation or prepared statement, then database", () => {
    expect(statementSpanName({ operation: 'INSERT' }, 'shop')).toBe('pg.query:INSERT shop');
    expect(statementSpanName({ operation: 'SELECT', plan: 'order-by-id' }, 'shop')).toBe('pg.query:order-by-id shop');
    expect(statementSpanName({ operation: 'SELECT' }, undefined)).toBe('pg.query:SELECT');
    expect(statementSpanName({}, 'shop')).toBe('pg.query');
  });
});
