/**
 * Download progress: an ora spinner on stderr (file, bytes, rate, ETA) when
 * asked for (the CLI asks only when stderr is a terminal), else one log line
 * per file, else nothing.
 */
import { startSpinner } from "../io/spinner.js";

export interface DownloadProgress {
  start(file: string, total: number | undefined, already: number): void;
  bytes(n: number): void;
  done(file: string, size: number, fromCache: boolean): void;
  note(line: string): void;
  stop(): void;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** `tty`: draw a spinner (true: on stderr; a stream: there), else log one line per file. */
export async function createDownloadProgress(label: string, opts: { tty?: boolean | NodeJS.WritableStream; log?: (line: string) => void }): Promise<DownloadProgress> {
  const log = opts.log;
  if (!opts.tty) {
    return {
      start(file, total) {
        log?.(`nlp: downloading ${label} ${file}${total !== undefined ? ` (${formatBytes(total)})` : ""}`);
      },
      bytes() {},
      done() {},
      note(line) {
        log?.(`nlp: ${line}`);
      },
      stop() {},
    };
  }
  const { spinner, update } = await startSpinner(`${label}: checking`, opts.tty === true ? undefined : opts.tty);
  let file = "";
  let total: number | undefined;
  let got = 0;
  let fresh = 0;
  let t0 = Date.now();
  const render = () => {
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? fresh / secs : 0;
    let s = `${label}: ${file} ${formatBytes(got)}`;
    if (total) s += ` / ${formatBytes(total)}`;
    if (rate > 0) s += `, ${formatBytes(rate)}/s`;
    if (total && rate > 0) s += `, ETA ${Math.max(0, Math.round((total - got) / rate))} s`;
    return s;
  };
  return {
    start(f, t, already) {
      file = f;
      total = t;
      got = already;
      fresh = 0;
      t0 = Date.now();
      spinner.text = render();
    },
    bytes(n) {
      got += n;
      fresh += n;
      update(render);
    },
    done(f, size, fromCache) {
      if (!fromCache) spinner.info(`${label}: ${f} ${formatBytes(size)}`);
      spinner.start(`${label}: checking`);
    },
    note(line) {
      spinner.text = `${label}: ${line}`;
    },
    stop() {
      spinner.stop();
    },
  };
}
