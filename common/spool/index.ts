export { Spool, type SpoolOptions, type SpooledSegment } from './spool';
export { lockDirectory, type ReleaseLock } from './directory-lock';
