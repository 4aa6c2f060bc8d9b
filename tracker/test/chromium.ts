import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../common';

/** The browser of the screenshot tests: Debian's chromium package, or ORDERSCOPE_CHROMIUM. */
export const CHROMIUM = process.env.ORDERSCOPE_CHROMIUM ?? 'chromium';

/** Where the screenshot tests leave their PNGs, for people to look at (.cache is not committed). */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, '.cache', 'screenshots');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop: the servers under test live in this process. */
function run(command: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Makes sure headless Chromium is installed: `scripts/services.sh tools` installs Debian's chromium
 * (and a font) when it is missing and does nothing otherwise. Fails with how to install it by hand.
 */
export async function ensureChromium(): Promise<void> {
  const result = await run('bash', [path.join(PROJECT_ROOT, 'scripts', 'services.sh'), 'tools', 'chromium'], 10 * 60_000);
  const version = result.code === 0 ? await run(CHROMIUM, ['--version'], 30_000, browserEnv()).catch(() => undefined) : undefined;
  if (result.code !== 0 || version?.code !== 0) {
    throw new Error(
      `the screenshot tests need headless Chromium, and it could not be installed:\n${result.stdout}${result.stderr}\n` +
        'Install it as root with: bash scripts/services.sh tools chromium   (or: apt-get install -y chromium fonts-liberation), ' +
        'or point ORDERSCOPE_CHROMIUM at a Chromium binary.',
    );
  }
}

/**
 * The environment for Chromium: ours without libfaketime. CI runs the unit suite under `faketime`
 * (a year ahead), whose LD_PRELOAD every child inherits, and Chromium hangs under it. The browser
 * only renders pages whose times the tests fixed, so it loses nothing by running on the real clock.
 */
function browserEnv(): NodeJS.ProcessEnv {
  const preload = (process.env.LD_PRELOAD ?? '').split(/[:\s]+/).filter((lib) => lib !== '' && !/libfaketime/.test(lib));
  const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: preload.join(':') };
  if (preload.length === 0) delete env.LD_PRELOAD;
  return env;
}

export interface Screenshot {
  readonly file: string;
  /** What the page logged to its console (errors included), and uncaught errors: none expected. */
  readonly consoleMessages: readonly string[];
}

/**
 * Loads `url` in headless Chromium with a fresh profile and saves what a `width` x `height` window shows
 * (at one device pixel per CSS pixel) to `file`. Only command-line flags: no driver, no npm package.
 */
export async function screenshot(url: string, file: string, size: { width: number; height: number }): Promise<Screenshot> {
  const profile = mkdtempSync(path.join(tmpdir(), 'orderscope-chromium-'));
  try {
    const result = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        `--screenshot=${file}`,
        `--window-size=${size.width},${size.height}`,
        url,
      ],
      90_000,
      browserEnv(),
    );
    if (result.code !== 0) throw new Error(`chromium exited with ${result.code} on ${url}:\n${result.stderr.slice(-4000)}`);
    // Chromium logs page console output as "...:INFO:CONSOLE:..." or "...:ERROR:CONSOLE(...)...".
    const consoleMessages = result.stderr.split('\n').filter((line) => /:CONSOLE[:(]|Uncaught/.test(line));
    return { file, consoleMessages };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
