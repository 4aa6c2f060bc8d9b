export { Spool, type SpoolOptions, type SpooledSegment } from './spool';
export { lockDirectory } from './directory-lock';
