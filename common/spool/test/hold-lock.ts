/**
 * The child process of {@link lockedByChild}: locks the directory given as its first argument (with
 * the lock name of the second, if any), tells its parent, and holds the lock until it is ended.
 */
import { lockDirectory } from '../directory-lock';

const [dir, lockName] = process.argv.slice(2);
void lockDirectory(dir!, 'held by a test', lockName).then(() => {
  // The lock's server is unref'd; this timer keeps the holder alive until its parent ends it.
  setInterval(() => undefined, 60_000);
  process.send?.('locked');
});
