/**
 * Progress on stderr, only when stderr is a terminal and not --quiet: rows
 * done, rows/s, and an ETA when the total is known. Silent otherwise so logs
 * and pipes stay clean.
 */
import { startSpinner } from "../io/spinner.js";
import type { CliIO } from "./io.js";

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

const SILENT: Progress = { tick() {}, stop() {} };

export async function startProgress(
  label: string,
  opts: { quiet?: boolean; total?: number; /** share of the input done (0–1), e.g. bytes read / file size */ fraction?: () => number },
  io: Pick<CliIO, "stderr">,
): Promise<Progress> {
  // a terminal of 0 columns (some `docker -t` and CI ptys) sends ora's line counting into an endless loop
  if (opts.quiet || !io.stderr.isTTY || !((io.stderr.columns ?? 0) > 0)) return SILENT;
  const { spinner, update } = await startSpinner(label, io.stderr);
  const t0 = Date.now();
  let done = 0;
  const render = () => {
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    let s = `${label}: ${done.toLocaleString("en-US")} rows, ${rate.toFixed(0)} rows/s`;
    if (opts.total && rate > 0) s += `, ETA ${Math.max(0, Math.round((opts.total - done) / rate))} s`;
    else if (opts.fraction) {
      const f = opts.fraction();
      if (f > 0.01 && f < 1) s += `, ${Math.round(f * 100)}%, ETA ${Math.round((secs * (1 - f)) / f)} s`;
    }
    return s;
  };
  return {
    tick(n = 1) {
      done += n;
      update(render);
    },
    stop() {
      spinner.stop();
    },
  };
}
