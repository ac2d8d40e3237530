/**
 * Ctrl-C or SIGTERM while records are being written: stop taking records, let
 * the one being written finish, so the caller can close the output (the JSON
 * array's "]", whole CSV rows) and exit 130 with "interrupted after N records".
 * A second signal meets Node's default and ends the process at once. A source
 * that fails (a bad input row, an inference error) ends the records the same
 * way once a record was written, and finish() throws its error after the
 * output is closed: the good records before it stay a well-formed JSON array
 * (exit 1, not a torn "[{…}"). Before any record it fails at once.
 */
import { Interrupted } from "../errors.js";
import type { CliIO } from "./io.js";

export interface Interruptible<T> {
  items: AsyncGenerator<T>;
  /** after the loop: throws Interrupted (exit 130) when a signal stopped it, or the source's error; else removes the handlers */
  finish(records: number): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** `signals`: where SIGINT/SIGTERM arrive (CliIO.signals, the process in the bin); none, no handling. */
export function interruptible<T>(source: AsyncIterable<T>, signals?: CliIO["signals"]): Interruptible<T> {
  let signal: NodeJS.Signals | undefined;
  let failed: { error: unknown } | undefined;
  // wakes the read in progress; not a long-lived promise raced on every record: each race would leave a
  // reaction on it, and memory would grow with the row count (200,000 rows needed > 48 MB of heap)
  let stop: (() => void) | undefined;
  const release = () => SIGNALS.forEach((s) => signals?.off(s, onSignal));
  const onSignal = (s: NodeJS.Signals) => {
    signal = s;
    release();
    stop?.();
  };
  SIGNALS.forEach((s) => signals?.on(s, onSignal));

  async function* items(): AsyncGenerator<T> {
    const it = source[Symbol.asyncIterator]();
    let yielded = 0;
    try {
      for (;;) {
        if (signal) break;
        const next = it.next();
        // a read still pending when a signal wins may fail later (input or inference torn down on exit): the
        // reject handler below keeps that from being an unhandled rejection
        let r: IteratorResult<T> | typeof STOP;
        try {
          r = await new Promise<IteratorResult<T> | typeof STOP>((resolve, reject) => {
            stop = () => resolve(STOP);
            next.then(resolve, reject);
          });
        } catch (error) {
          // before any record there is no output to close: fail at once, writing nothing
          if (signal || yielded === 0) throw error;
          failed = { error };
          break;
        }
        stop = undefined;
        if (r === STOP || r.done) break;
        yielded++;
        yield r.value;
      }
    } finally {
      // also when the loop over items ends early or throws: handlers never outlive the output
      release();
      // not awaited after a signal: the source may be blocked on stdin or a model run
      if (signal) void it.return?.(undefined)?.catch(() => undefined);
      else await it.return?.(undefined);
    }
  }

  return {
    items: items(),
    finish(records) {
      release();
      if (signal) throw new Interrupted(records, signal);
      if (failed) throw failed.error;
    },
  };
}

const STOP: unique symbol = Symbol("stop");
