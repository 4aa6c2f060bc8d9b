import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDirectory, lockSocketPath } from './directory-lock';

describe('the directory lock', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'orderscope-lock-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is a socket in the directory when its path fits the kernel\'s limit', () => {
    expect(lockSocketPath('/srv/orderscope', 'orderscope.lock')).toBe('/srv/orderscope/orderscope.lock.sock');
  });

  it('is a socket under the temporary directory, named by the directory, when the path would be too long', () => {
    const deep = path.join(root, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    const socket = lockSocketPath(deep, 'spool.lock', '/tmp/t');
    expect(socket).toMatch(/^\/tmp\/t\/orderscope-[0-9a-f]{24}\.sock$/);
    expect(lockSocketPath(deep, 'spool.lock', '/tmp/t')).toBe(socket);
    expect(lockSocketPath(path.join(deep, '.'), 'spool.lock', '/tmp/t')).toBe(socket);
    expect(lockSocketPath(deep, 'orderscope.lock', '/tmp/t')).not.toBe(socket);
  });

  it('is a named pipe on Windows, named by the directory', () => {
    expect(lockSocketPath(root, 'spool.lock', '/tmp/t', 'win32')).toMatch(/^\\\\\.\\pipe\\orderscope-[0-9a-f]{24}$/);
  });

  it('excludes a second holder of a directory whose path is too long for a socket in it, until released', async () => {
    const deep = path.join(root, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    const release = await lockDirectory(deep, 'give each its own');
    await expect(lockDirectory(deep, 'give each its own')).rejects.toThrow(`the directory ${deep} is in use by process ${process.pid}; give each its own`);
    await release();
    await release();
    await (await lockDirectory(deep, 'give each its own'))();
  });
});
