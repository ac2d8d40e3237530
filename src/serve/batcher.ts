/**
 * Dynamic batching across requests: the inputs of concurrent requests wait in one queue; whenever the model is
 * free, the queued inputs (up to `maxBatchTokens` tokens) go to it as one list, and the inputs that arrive while
 * that list runs form the next. A lone request therefore runs at once (no batching timer), and under load the
 * lists grow by themselves. Each input is scored on its own row (the model's batch size and exactness rule
 * hold inside the list), so a text's scores never depend on the requests it was batched with.
 *
 * Inputs carry a key: a list only holds inputs of one key (requests with the same options, e.g. /embed's
 * `normalize`), since the model runs a list with one set of options. The oldest waiting input decides which
 * key goes next, so no request waits behind later ones.
 */

/** Runs one list of inputs (all with `key`); resolves one result per input, in order, or throws for the list. */
export type RunList<I, R> = (items: I[], key: string) => Promise<R[]>;

interface Request<R> {
  results: R[];
  remaining: number;
  failed: boolean;
  resolve(results: R[]): void;
  reject(err: unknown): void;
}

interface Pending<I, R> {
  req: Request<R>;
  index: number;
  item: I;
  cost: number;
  seq: number;
}

class Queue<I, R> {
  items: Pending<I, R>[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  peek(): Pending<I, R> | undefined {
    while (this.head < this.items.length && this.items[this.head].req.failed) this.head++;
    return this.items[this.head];
  }
  compact(): void {
    // drop the consumed prefix now and then, not on every take (shift() is O(n))
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

export interface BatcherOptions {
  /** cost (tokens) per list handed to the model; a costlier single input still runs, alone */
  maxBatchTokens: number;
  /** lists handed to the model at once (1 until the worker pool runs several) */
  maxInFlight?: number;
  /** after each list: its size, model time and, when it failed, the error (for /metrics) */
  onList?: (size: number, seconds: number, error?: unknown) => void;
}

export class Batcher<I, R> {
  private readonly queues = new Map<string, Queue<I, R>>();
  private inFlight = 0;
  private seq = 0;

  constructor(
    private readonly run: RunList<I, R>,
    private readonly opts: BatcherOptions,
  ) {}

  /** Inputs waiting for the model. */
  get depth(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Runs one request's inputs; rejects with the model's error when a list holding one of them fails. */
  submit(items: { item: I; cost: number }[], key = ""): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const req: Request<R> = { results: new Array<R>(items.length), remaining: items.length, failed: false, resolve, reject };
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = new Queue()));
      for (const [index, { item, cost }] of items.entries()) q.items.push({ req, index, item, cost, seq: this.seq++ });
      this.pump();
    });
  }

  private take(): { key: string; list: Pending<I, R>[] } | undefined {
    let key: string | undefined;
    let oldest = Infinity;
    for (const [k, q] of this.queues) {
      const p = q.peek();
      if (p && p.seq < oldest) [key, oldest] = [k, p.seq];
    }
    if (key === undefined) return undefined;
    const q = this.queues.get(key)!;
    const list: Pending<I, R>[] = [];
    let cost = 0;
    for (let p = q.peek(); p; p = q.peek()) {
      if (list.length > 0 && cost + p.cost > this.opts.maxBatchTokens) break;
      list.push(p);
      cost += p.cost;
      q.head++;
    }
    q.compact();
    if (q.size === 0 && key !== "") this.queues.delete(key);
    return { key, list };
  }

  private pump(): void {
    while (this.inFlight < (this.opts.maxInFlight ?? 1)) {
      const next = this.take();
      if (!next) return;
      const { key, list } = next;
      this.inFlight++;
      const t0 = performance.now();
      this.run(
        list.map((p) => p.item),
        key,
      )
        .then(
          (out) => {
            this.opts.onList?.(list.length, (performance.now() - t0) / 1000);
            for (const [i, p] of list.entries()) {
              if (p.req.failed) continue;
              p.req.results[p.index] = out[i];
              if (--p.req.remaining === 0) p.req.resolve(p.req.results);
            }
          },
          (err: unknown) => {
            this.opts.onList?.(list.length, (performance.now() - t0) / 1000, err);
            // only this list's requests fail; the queue goes on with the next list
            for (const p of list) {
              if (p.req.failed) continue;
              p.req.failed = true;
              p.req.reject(err);
            }
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
