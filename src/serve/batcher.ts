/**
 * Dynamic batching across requests: the inputs of concurrent requests wait in one queue; whenever the model is
 * free, the queued inputs (up to `maxBatchTokens` tokens) go to it as one list, and the inputs that arrive while
 * that list runs form the next. A lone request therefore runs at once (no batching timer), and under load the
 * lists grow by themselves. Each input is scored on its own row (the model's batch size and exactness rule
 * hold inside the list), so a text's scores never depend on the requests it was batched with.
 */
import type { Encoded } from "../engine/tokenizer.js";

/** Runs one list of encoded inputs; resolves one result per input, in order, or throws for the whole list. */
export type RunList<R> = (rows: Encoded[]) => Promise<R[]>;

interface Request<R> {
  results: R[];
  remaining: number;
  failed: boolean;
  resolve(results: R[]): void;
  reject(err: unknown): void;
}

interface Pending<R> {
  req: Request<R>;
  index: number;
  row: Encoded;
}

export interface BatcherOptions {
  /** tokens (padded length not counted) per list handed to the model; a longer single input still runs alone */
  maxBatchTokens: number;
  /** lists handed to the model at once (1 until the worker pool runs several) */
  maxInFlight?: number;
  /** after each list: its size and model time (for /metrics) */
  onList?: (size: number, seconds: number, failed: boolean) => void;
}

export class Batcher<R> {
  private queue: Pending<R>[] = [];
  private head = 0;
  private inFlight = 0;

  constructor(
    private readonly run: RunList<R>,
    private readonly opts: BatcherOptions,
  ) {}

  /** Inputs waiting for the model. */
  get depth(): number {
    return this.queue.length - this.head;
  }

  /** Scores one request's rows; rejects with the model's error when a list holding one of them fails. */
  submit(rows: Encoded[]): Promise<R[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const req: Request<R> = { results: new Array<R>(rows.length), remaining: rows.length, failed: false, resolve, reject };
      rows.forEach((row, index) => this.queue.push({ req, index, row }));
      this.pump();
    });
  }

  private take(): Pending<R>[] {
    const list: Pending<R>[] = [];
    let tokens = 0;
    while (this.head < this.queue.length) {
      const p = this.queue[this.head];
      if (p.req.failed) {
        this.head++;
        continue;
      }
      if (list.length > 0 && tokens + p.row.ids.length > this.opts.maxBatchTokens) break;
      list.push(p);
      tokens += p.row.ids.length;
      this.head++;
    }
    // drop the consumed prefix now and then, not on every take (shift() is O(n))
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return list;
  }

  private pump(): void {
    while (this.inFlight < (this.opts.maxInFlight ?? 1)) {
      const list = this.take();
      if (list.length === 0) return;
      this.inFlight++;
      const t0 = performance.now();
      this.run(list.map((p) => p.row)).then(
        (out) => {
          this.opts.onList?.(list.length, (performance.now() - t0) / 1000, false);
          for (const [i, p] of list.entries()) {
            if (p.req.failed) continue;
            p.req.results[p.index] = out[i];
            if (--p.req.remaining === 0) p.req.resolve(p.req.results);
          }
        },
        (err: unknown) => {
          this.opts.onList?.(list.length, (performance.now() - t0) / 1000, true);
          // only this list's requests fail; the queue goes on with the next list
          for (const p of list) {
            if (p.req.failed) continue;
            p.req.failed = true;
            p.req.reject(err);
          }
        },
      ).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }
}
