/**
 * The streaming skeleton under scoreStream: items are prepared (tokenized) as
 * they arrive into a bounded window; a full window is handed to `runWindow`
 * (which may reorder inside it, e.g. length-sorted batches) with up to
 * `inFlight` windows running at once (a pool's lanes); results come out in
 * input order as soon as they are ready.
 *
 * - A window also runs when the input stalls (nothing new for `stallMs`), so
 *   `tail -f log | nlp classify` answers line by line instead of waiting for
 *   a full window.
 * - When the input fails mid-way, every item read before the failure is still
 *   run and yielded, then the error is thrown: nothing good is lost.
 * - When a window's run fails, its error is thrown at its turn: the windows
 *   after it are not yielded, so the output never has a gap.
 */

export interface WindowOptions {
  /** items per window (memory bound: about `inFlight` + 1 windows are held at once) */
  windowSize: number;
  /** windows run at once (a pool's capacity; default 1) */
  inFlight?: number;
  /** run a partial window after the input has been idle this long */
  stallMs?: number;
}

const DEFAULT_STALL_MS = 25;
const STALL: unique symbol = Symbol("stall");
const SETTLED: unique symbol = Symbol("settled");

/** A window's run failed (not the input): thrown as is, without draining later windows. */
class RunFailed {
  constructor(readonly error: unknown) {}
}

async function results<R>(f: InFlight<R>): Promise<R[]> {
  try {
    return await f.promise;
  } catch (err) {
    throw new RunFailed(err);
  }
}

interface InFlight<R> {
  promise: Promise<R[]>;
  settled: boolean;
  /** `promise` mapped to SETTLED for racing against the input: made once per window, not once per item read */
  signal?: Promise<typeof SETTLED>;
}

/** `runWindow` gets the window and the 0-based input position of its first item (to name it in errors). */
export async function* windowed<T, P, R>(
  items: AsyncIterable<T> | Iterable<T>,
  prepare: (item: T) => P,
  runWindow: (window: P[], first: number) => Promise<R[]>,
  opts: WindowOptions,
): AsyncGenerator<R> {
  const windowSize = Math.max(1, Math.floor(opts.windowSize));
  const maxInFlight = Math.max(1, Math.floor(opts.inFlight ?? 1));
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const it = (async function* () {
    yield* items;
  })();
  let read = 0;
  let windowStart = 0;
  const start = (win: P[]): InFlight<R> => {
    const f: InFlight<R> = { promise: runWindow(win, windowStart), settled: false };
    windowStart = read;
    f.promise.then(
      () => (f.settled = true),
      () => (f.settled = true),
    );
    return f;
  };

  let window: P[] = [];
  // windows running, oldest first: results leave in input order, so only the oldest is ever awaited
  const inFlight: InFlight<R>[] = [];
  let next: Promise<IteratorResult<T>> | undefined;
  let failed = false;
  let failure: unknown;
  try {
    try {
      for (;;) {
        if (inFlight[0]?.settled) {
          // flush as soon as ready, whatever the input is doing
          yield* await results(inFlight.shift()!);
          continue;
        }
        next ??= it.next();
        let r: IteratorResult<T> | typeof STALL | typeof SETTLED;
        if (inFlight.length > 0) {
          const head = inFlight[0];
          head.signal ??= head.promise.then((): typeof SETTLED => SETTLED);
          if (window.length > 0 && inFlight.length < maxInFlight) {
            // a free slot: a stalled input starts its partial window now instead of waiting for the head
            let timer: NodeJS.Timeout | undefined;
            const stall = new Promise<typeof STALL>((resolve) => (timer = setTimeout(() => resolve(STALL), stallMs)));
            r = await Promise.race([next, head.signal, stall]);
            clearTimeout(timer);
          } else r = await Promise.race([next, head.signal]);
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
          inFlight.push(start(window));
          window = [];
          continue;
        }
        next = undefined;
        if (r.done) break;
        read++;
        window.push(prepare(r.value));
        if (window.length >= windowSize) {
          // full: wait for the oldest window while every slot is taken (memory stays bounded)
          while (inFlight.length >= maxInFlight) yield* await results(inFlight.shift()!);
          inFlight.push(start(window));
          window = [];
        }
      }
    } catch (err) {
      if (err instanceof RunFailed) throw err;
      failed = true;
      failure = err;
    }
    if (window.length > 0 && !failed) {
      while (inFlight.length >= maxInFlight) yield* await results(inFlight.shift()!);
      inFlight.push(start(window));
      window = [];
    }
    while (inFlight.length > 0) yield* await results(inFlight.shift()!);
    if (window.length > 0) yield* await runWindow(window, windowStart);
    if (failed) throw failure;
  } catch (err) {
    throw err instanceof RunFailed ? err.error : err;
  } finally {
    // the consumer may stop early (head, break): close the input too
    if (!failed) void it.return(undefined).catch(() => {});
  }
}
