import { Presets, SingleBar } from 'cli-progress';

/** A progress bar of bytes read from a file (replay, import): started at the first report, stopped once. */
export interface ByteProgress {
  readonly update: (bytesRead: number, totalBytes: number) => void;
  readonly stop: () => void;
}

export function byteProgress(label: string): ByteProgress {
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} bytes`, hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
  let started = false;
  let stopped = false;
  return {
    update: (read, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(Math.min(read, total));
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
