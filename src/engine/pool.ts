/**
 * Why: one ONNX Runtime session keeps one core busy on small batches (an int8 graph runs one text per call, see
 * classifier.ts), so a stream spreads its windows over several sessions, each in a worker thread of its own.
 * onnxruntime-node runs a session synchronously on the thread that calls it, so the main thread must not hold
 * one while it also reads, dispatches and writes.
 *
 *   lane 0: this thread's session. It answers alone while one window is all there is (one text never pays for
 *           starting a thread), and runs windows only until the worker lanes are up.
 *   lanes 1…workers: worker threads, started together when a window waits while lane 0 is busy (workers ≥ 2);
 *           each tokenizes, runs and post-processes one window at a time, taking the next from the shared FIFO.
 *
 *   caller ── run(job) ──► FIFO of jobs ──► lane 0 (this thread, until the workers are ready)
 *                                       ├─► worker 1 ─┐
 *                                       └─► worker N ─┴─► results, per job, in any order
 *                                                         (windowed.ts puts them back in input order)
 *
 * Every lane is built by the same factory from the same arguments, so a text's scores do not depend on the
 * lane that ran it. A worker that dies (an uncaught error, process.exit in it, terminate) rejects the jobs it
 * held with an InferenceError naming them; the pool starts a new worker for later jobs (a server keeps serving).
 */
import { Worker } from "node:worker_threads";
import { BundleError, HubError, InferenceError, InputError, NlpError, UsageError } from "../errors.js";

/** A task's model, as a lane holds it: runs one job (a window of rows) and releases its session. */
export interface Runner<J, R> {
  run(job: J): Promise<R>;
  dispose(): Promise<void>;
}

/** How every lane builds its runner: `module` (a file URL) exports `factory(args)` → Runner; args are plain data. */
export interface RunnerSpec {
  module: string;
  factory: string;
  args: unknown;
}

export interface PoolOptions<J, R> {
  /** most lanes (sessions) at once; lane 0 is in the calling thread */
  workers: number;
  /** builds lane 0's runner in this thread (with the pieces the caller keeps, e.g. its tokenizer); default: the spec's */
  first?: () => Promise<Runner<J, R>>;
  /**
   * a long input is coming: start the worker threads now, so they build their sessions while this thread
   * builds lane 0's (instead of when the first window waits)
   */
  eager?: boolean;
}

/**
 * What builds a task's model again in a worker: its folder and the options that shape its scores, as plain
 * data (a caller's options may carry functions and streams), with the variant the plan chose and the worker
 * lanes' threads.
 */
export function laneSpec(
  module: string,
  factory: string,
  dir: string,
  variant: string,
  threads: number,
  opts: { maxLength?: number; batchSize?: number; fallbackLabels?: string[] },
): RunnerSpec {
  return { module, factory, args: { dir, opts: { variant, maxLength: opts.maxLength, threads, batchSize: opts.batchSize, fallbackLabels: opts.fallbackLabels } } };
}

/** Items of a result that can move to the main thread without a copy. */
export function transferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (depth > 3 || value === null || typeof value !== "object") return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, depth + 1);
  return out;
}

interface SerializedError {
  name: string;
  message: string;
  exitCode?: number;
  options?: readonly string[];
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof UsageError) return { name: err.name, message: err.message, options: err.options };
  if (err instanceof NlpError) return { name: err.name, message: err.message, exitCode: err.exitCode };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

/** The error a worker threw, as the same class in this thread (the CLI maps classes to exit codes). */
export function deserializeError(e: SerializedError): Error {
  switch (e.name) {
    case "UsageError":
      return new UsageError(e.message, { option: e.options });
    case "BundleError":
      return new BundleError(e.message);
    case "InputError":
      return new InputError(e.message);
    case "HubError":
      return new HubError(e.message);
    case "InferenceError":
      return new InferenceError(e.message);
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}

interface Job<J, R> {
  job: J;
  what: string;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  /** settles with the job, never rejects */
  settled: Promise<void>;
}

interface Lane<J, R> {
  index: number;
  /** jobs given to the lane and not answered yet, oldest first (a worker answers in order) */
  jobs: Job<J, R>[];
  isReady: boolean;
  dead: boolean;
  runner?: Runner<J, R>;
  worker?: Worker;
  /** a worker lane's start: settles once its session is built or it failed */
  started?: Promise<void>;
  /** lane 0 once every worker is up: its session is released (the plan's memory counts `workers` sessions) */
  retired?: boolean;
  /** a worker being closed: set until it has released its session and ended */
  closing?: Promise<void>;
}

const WORKER_URL = new URL("./pool-worker.js", import.meta.url);

/** Pools of this process not closed yet (see settleWorkers). */
const livePools = new Set<LanePool<unknown, unknown>>();

/**
 * Resolves once no worker thread of this process is inside ONNX Runtime (creating its session, running a
 * window, or releasing its session as its pool closes): a process that exits while one is aborts (Napi::Error,
 * exit 134). Every early exit (a closed stdout, an interrupt) waits for this; the pools stop handing out
 * windows, so it takes at most one window and one release.
 */
export async function settleWorkers(): Promise<void> {
  await Promise.allSettled([...livePools].map((p) => p.halt()));
}

export class LanePool<J, R> {
  private readonly lanes: Lane<J, R>[] = [];
  private readonly queue: Job<J, R>[] = [];
  private closed = false;
  /** no more dispatching: the process is about to exit (settleWorkers) */
  private halted = false;
  /** a worker that could not be built: later jobs fail with this instead of waiting for it */
  private failure: unknown;

  private constructor(
    private readonly spec: RunnerSpec,
    readonly workers: number,
  ) {}

  /** Builds lane 0 (in this thread) and returns once it is ready; worker lanes start on demand (or at once: eager). */
  static async start<J, R>(spec: RunnerSpec, opts: PoolOptions<J, R>): Promise<LanePool<J, R>> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) {
      throw new UsageError(`\`workers\` must be a positive integer, got ${opts.workers}`, { option: "workers" });
    }
    const pool = new LanePool<J, R>(spec, opts.workers);
    const first: Lane<J, R> = { index: 0, jobs: [], isReady: false, dead: false };
    pool.lanes.push(first);
    livePools.add(pool as LanePool<unknown, unknown>);
    if (opts.eager) pool.grow();
    try {
      first.runner = await (opts.first ?? (() => buildRunner<J, R>(spec)))();
    } catch (err) {
      await pool.close();
      throw err;
    }
    first.isReady = true;
    pool.pump();
    return pool;
  }

  /** Worker threads running (not counting lane 0), for tests and `nlp info`. */
  get threads(): number {
    return this.workerLanes().filter((l) => l.isReady && !l.dead).length;
  }

  /**
   * Windows worth keeping in flight: two per session, so that a worker finishing a later window than the
   * oldest one (results leave in input order) still finds the next window waiting for it.
   */
  get capacity(): number {
    return this.workers === 1 ? 1 : 2 * this.workers;
  }

  /** Runs one job on the next free lane. `what` names the job in a worker-death message ("records 65–128"). */
  run(job: J, what: string): Promise<R> {
    if (this.closed) return Promise.reject(new InferenceError("the model was disposed; load it again"));
    if (this.failure) return Promise.reject(this.failure);
    let resolve!: (r: R) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.queue.push({ job, what, resolve, reject, settled: result.then(noop, noop) });
    this.pump();
    return result;
  }

  /**
   * Stops handing out jobs and resolves when no worker is starting or running one (then the process may exit).
   * Jobs still queued stay unanswered: the process is ending.
   */
  async halt(): Promise<void> {
    this.halted = true;
    for (;;) {
      const busy = this.lanes.flatMap((l) => [
        ...(l.worker && !l.isReady && !l.dead && l.started ? [l.started] : []),
        ...l.jobs.map((j) => j.settled),
        ...(l.closing ? [l.closing] : []),
      ]);
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  private workerLanes(): Lane<J, R>[] {
    return this.lanes.filter((l) => l.worker);
  }

  /**
   * The lane for the next job: an idle ready worker, else lane 0 while no worker is up. A worker holds one
   * window at a time: the others wait in the shared FIFO and go to whichever worker frees up first, so a run's
   * tail is at most one window on one worker (holding two left the other idle for up to two windows at the end);
   * the round trip between windows costs ~0.1 ms.
   */
  private freeLane(): Lane<J, R> | undefined {
    const idle = this.workerLanes().find((l) => l.isReady && !l.dead && l.jobs.length === 0);
    if (idle) return idle;
    const first = this.lanes[0];
    return this.threads === 0 && first.isReady && !first.retired && first.jobs.length === 0 ? first : undefined;
  }

  /**
   * Every worker is up and lane 0 is idle: release lane 0's session. planLanes allows `workers` sessions for the
   * memory at hand, not one more, and lane 0 would take no more windows anyway. If workers die later, waiting
   * windows wait for their replacements.
   */
  private retireFirst(): void {
    const first = this.lanes[0];
    if (first.retired || !first.isReady || first.jobs.length > 0 || this.workers < 2) return;
    if (this.threads < this.workers) return;
    first.retired = true;
    void first.runner?.dispose().catch(() => {});
  }

  private pump(): void {
    if (this.halted) return;
    while (this.queue.length > 0) {
      const lane = this.freeLane();
      if (!lane) {
        this.grow();
        break;
      }
      this.dispatch(lane, this.queue.shift()!);
    }
    this.retireFirst();
  }

  /** A job waits: start the missing worker lanes (all of them: each start costs a core for a while anyway). */
  private grow(): void {
    if (this.workers < 2 || this.closed) return;
    const live = this.workerLanes().filter((l) => !l.dead).length;
    for (let k = live; k < this.workers; k++) {
      const lane: Lane<J, R> = { index: this.lanes.length, jobs: [], isReady: false, dead: false };
      this.lanes.push(lane);
      lane.started = this.startWorker(lane);
      lane.started.then(
        () => {
          lane.isReady = true;
          this.pump();
        },
        (err) => {
          lane.dead = true;
          // the same arguments built lane 0, so this is the machine (memory, threads), not the model: fail what waits
          this.failure ??= err;
          for (const j of this.queue.splice(0)) j.reject(err);
        },
      );
    }
  }

  private startWorker(lane: Lane<J, R>): Promise<void> {
    const worker = new Worker(WORKER_URL, { workerData: this.spec });
    lane.worker = worker;
    const started = new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on("message", (m: { type: string; result?: R; error?: SerializedError }) => {
        if (m.type === "ready") {
          ready = true;
          if (lane.jobs.length === 0 && !this.closed) worker.unref();
          resolve();
          return;
        }
        if (m.type === "setup-error") {
          reject(deserializeError(m.error!));
          return;
        }
        const j = lane.jobs.shift();
        // idle: no hold on the process (but a closing pool waits for the worker's exit)
        if (lane.jobs.length === 0 && !this.closed) worker.unref();
        if (j) {
          if (m.type === "result") j.resolve(m.result as R);
          else j.reject(deserializeError(m.error!));
        }
        this.pump();
      });
      const died = (why: string) => {
        if (lane.dead) return;
        lane.dead = true;
        const held = lane.jobs.splice(0);
        if (!ready) {
          reject(new InferenceError(`a worker thread could not start (${why}); run with --workers 1`));
          return;
        }
        for (const j of held) {
          j.reject(new InferenceError(`worker ${lane.index} stopped (${why}) while running ${j.what}; earlier rows were written; run again, or with --workers 1 to run without worker threads`));
        }
        if (!this.closed) this.pump();
      };
      worker.on("error", (err) => died(`error: ${err.message.split("\n")[0]}`));
      worker.on("exit", (code) => died(`exit code ${code}`));
    });
    // a starting worker keeps the process alive (exiting inside session creation aborts it); once ready and idle
    // it is unref'd (after the listeners: adding a 'message' listener refs the worker's port again)
    return started;
  }

  private dispatch(lane: Lane<J, R>, j: Job<J, R>): void {
    lane.jobs.push(j);
    if (lane.worker) {
      lane.worker.ref(); // a job in a worker keeps the process alive until it answers
      lane.worker.postMessage({ type: "run", job: j.job });
      return;
    }
    lane.runner!.run(j.job).then(
      (r) => {
        lane.jobs.shift();
        j.resolve(r);
        this.pump();
      },
      (err) => {
        lane.jobs.shift();
        j.reject(err);
        this.pump();
      },
    );
  }

  /**
   * Stops every worker and releases every session; jobs not started are rejected. A worker still creating
   * its session is waited for and then asked to stop: cutting a thread off inside ONNX Runtime's native code
   * aborts the whole process (terminate → Napi::Error → exit 134).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new InferenceError("the model was disposed; load it again"));
    await Promise.all(
      this.lanes.map(async (l) => {
        if (!l.worker) return l.retired ? undefined : l.runner?.dispose();
        const w = l.worker;
        if (l.dead) return;
        const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
        // settleWorkers counts the release as busy; once the process is exiting (halted), an idle worker is
        // left as it is rather than sent into a release the exit could cut short
        l.closing = (async () => {
          try {
            await l.started?.catch(() => {});
            if (l.dead || this.halted) return;
            w.ref();
            w.postMessage({ type: "close" });
            await exited;
          } finally {
            l.closing = undefined;
          }
        })();
        await l.closing;
      }),
    );
    // only now: until its workers have ended, an early exit must wait for this pool (settleWorkers)
    livePools.delete(this as LanePool<unknown, unknown>);
  }
}

function noop(): void {}

/** Imports the task's runner module and builds its runner: the one way, in this thread or in a worker. */
export async function buildRunner<J, R>(spec: RunnerSpec): Promise<Runner<J, R>> {
  const mod = (await import(spec.module)) as Record<string, (args: unknown) => Promise<Runner<J, R>>>;
  const factory = mod[spec.factory];
  if (typeof factory !== "function") throw new Error(`${spec.module} exports no runner factory ${spec.factory}`);
  return factory(spec.args);
}

/** A model whose windows run on a LanePool: what its users see of the pool, the same for every task. */
export abstract class PooledModel<J, R> {
  /** set by the task's fromFolder once lane 0 is built */
  protected pool!: LanePool<J, R>;

  /** Sessions this model may run at once (lane 0 in this thread, the rest worker threads started on demand). */
  get workers(): number {
    return this.pool.workers;
  }

  /** Worker threads up now (lane 0, in this thread, not counted): 0 until a stream has had a window wait. */
  get workerThreads(): number {
    return this.pool.threads;
  }

  /** Stops the worker threads and releases every session. */
  async dispose(): Promise<void> {
    await this.pool.close();
  }
}
