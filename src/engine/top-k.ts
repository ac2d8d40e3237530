/** Why: search keeps only the k best of a stream (bounded memory for any corpus), best first, earlier items winning ties. */
export class TopK<T> {
  private readonly items: { score: number; item: T }[] = [];
  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  }

  push(score: number, item: T): void {
    const a = this.items;
    if (a.length === this.k && !(score > a[a.length - 1].score)) return;
    // insert after every item scoring ≥ score: ties keep arrival order
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid].score >= score) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, { score, item });
    if (a.length > this.k) a.pop();
  }

  /** best first */
  result(): { score: number; item: T }[] {
    return [...this.items];
  }
}
