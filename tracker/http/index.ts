export { createTrackerApp } from './app';
export type { TrackerAppOptions } from './app';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-query';
export { localPath, setSessionCookie } from './browser-session';
