import { callbackOf, hasMoreStatements, isTransactionStatement, operationOf, statementSpanName } from '../pg-spans';

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

  it.each([
    ['BEGIN', false],
    ['COMMIT;', false],
    ['COMMIT ;  \n', false],
    ['BEGIN; UPDATE orders SET state = 1; COMMIT', true],
  ])('%j goes on with more statements: %s', (text, more) => expect(hasMoreStatements(text)).toBe(more));
});

describe("a statement's callback, found where pg looks for it", () => {
  const cb = () => undefined;
  const other = () => undefined;
  it.each([
    ['(text)', ['SELECT 1'], undefined],
    ['(text, values)', ['SELECT $1', [1]], undefined],
    ['(text, cb)', ['SELECT 1', cb], { fn: cb, at: 1 }],
    ['(text, values, cb)', ['SELECT $1', [1], cb], { fn: cb, at: 2 }],
    ['(text, undefined, cb)', ['SELECT 1', undefined, cb], { fn: cb, at: 2 }],
    ['(config with callback)', [{ text: 'SELECT 1', callback: cb }], { fn: cb, at: 0 }],
    ['(config with callback, null)', [{ text: 'SELECT 1', callback: cb }, null], { fn: cb, at: 0 }],
    // pg takes the argument over the configuration's own.
    ['(config with callback, cb)', [{ text: 'SELECT 1', callback: other }, cb], { fn: cb, at: 1 }],
  ])('%s', (_form, args, expected) => expect(callbackOf(args as unknown[])).toEqual(expected));
});
