/**
 * The streaming skeleton under scoreStream: items are prepared (tokenized) as
 * they arrive into a bounded window; a full window is handed to `runWindow`
 * (which may reorder inside it, e.g. length-sorted batches) with at most one
 * window in flight; results come out in input order as soon as they are ready.
 *
 * - A window also runs when the input stalls (nothing new for `stallMs`), so
 *   `tail -f log | nlp classify` answers line by line instead of waiting for
 *   a full window.
 * - When the input fails mid-way, every item read before the failure is still
 *   run and yielded, then the error is thrown: nothing good is lost.
 */

export interface WindowOptions {
  /** items per window (memory bound: about two windows are held at once) */
  windowSize: number;
  /** run a partial window after the input has been idle this long */
  stallMs?: number;
}

const DEFAULT_STALL_MS = 25;
const STALL: unique symbol = Symbol("stall");
const SETTLED: unique symbol = Symbol("settled");

interface InFlight<R> {
  promise: Promise<R[]>;
  settled: boolean;
  /** `promise` mapped to SETTLED for racing against the input: made once per window, not once per item read */
  signal?: Promise<typeof SETTLED>;
}

export async function* windowed<T, P, R>(
  items: AsyncIterable<T> | Iterable<T>,
  prepare: (item: T) => P,
  runWindow: (window: P[]) => Promise<R[]>,
  opts: WindowOptions,
): AsyncGenerator<R> {
  const windowSize = Math.max(1, Math.floor(opts.windowSize));
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const it = (async function* () {
    yield* items;
  })();
  const start = (win: P[]): InFlight<R> => {
    const f: InFlight<R> = { promise: runWindow(win), settled: false };
    f.promise.then(
      () => (f.settled = true),
      () => (f.settled = true),
    );
    return f;
  };

  let window: P[] = [];
  let inFlight: InFlight<R> | undefined;
  let next: Promise<IteratorResult<T>> | undefined;
  let failed = false;
  let failure: unknown;
  try {
    try {
      for (;;) {
        if (inFlight?.settled) {
          // flush as soon as ready, whatever the input is doing
          const done = inFlight;
          inFlight = undefined;
          yield* await done.promise;
          continue;
        }
        next ??= it.next();
        let r: IteratorResult<T> | typeof STALL | typeof SETTLED;
        if (inFlight) {
          inFlight.signal ??= inFlight.promise.then((): typeof SETTLED => SETTLED);
          r = await Promise.race([next, inFlight.signal]);
        } else if (window.length > 0) {
          // the timer starts only when no inference is blocking the event loop, so it measures a real input stall
          let timer: NodeJS.Timeout | undefined;
          const stall = new Promise<typeof STALL>((resolve) => (timer = setTimeout(() => resolve(STALL), stallMs)));
          r = await Promise.race([next, stall]);
          clearTimeout(timer);
        } else {
          r = await next;
        }
        if (r === SETTLED) continue;
        if (r === STALL) {
          inFlight = start(window);
          window = [];
          continue;
        }
        next = undefined;
        if (r.done) break;
        window.push(prepare(r.value));
        if (window.length >= windowSize) {
          if (inFlight) {
            const done = inFlight;
            inFlight = undefined;
            yield* await done.promise;
          }
          inFlight = start(window);
          window = [];
        }
      }
    } catch (err) {
      failed = true;
      failure = err;
    }
    if (inFlight) yield* await inFlight.promise;
    if (window.length > 0) yield* await runWindow(window);
    if (failed) throw failure;
  } finally {
    // the consumer may stop early (head, break): close the input too
    if (!failed) void it.return(undefined).catch(() => {});
  }
}
