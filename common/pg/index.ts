/** What every PostgreSQL user of the tree shares: one transaction helper, one view of which errors are worth a retry. */
export { withTransaction } from './transaction';
export { hearClientErrors } from './client-errors';
export { isTransientPgError, isPgConnectionLoss } from './transient';
