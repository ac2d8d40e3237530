/**
 * Prometheus text exposition for `nlp serve` (GET /metrics). Hand-written: four metric kinds in ~80 lines
 * against prom-client's dependency tree and global registry, which the library's `serve()` must not share
 * with a host application's own registry.
 */

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

type Labels = Record<string, string>;

function labelText(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => value <= b && s!.counts[i]++);
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`, `${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class ServerMetrics {
  private readonly requests = new Map<string, { labels: Labels; n: number }>();
  readonly requestSeconds = new Histogram("nlp_request_duration_seconds", "Time from request to response, by route.", LATENCY_BUCKETS);
  readonly inferenceSeconds = new Histogram("nlp_inference_duration_seconds", "Model time per batch handed to the model.", LATENCY_BUCKETS);
  readonly batchSize = new Histogram("nlp_batch_size", "Inputs per batch handed to the model (dynamic batching across requests).", BATCH_BUCKETS);
  inferenceFailures = 0;

  constructor(
    /** texts waiting for the model, read when scraped */
    private readonly queueDepth: () => number,
    /** requests admitted and not yet answered */
    private readonly inFlight: () => number,
  ) {}

  request(route: string, status: number, seconds: number): void {
    const labels = { route, status: String(status) };
    const key = labelText(labels);
    const c = this.requests.get(key);
    if (c) c.n++;
    else this.requests.set(key, { labels, n: 1 });
    this.requestSeconds.observe(seconds, { route });
  }

  render(): string {
    const lines = ["# HELP nlp_requests_total HTTP requests answered, by route and status.", "# TYPE nlp_requests_total counter"];
    for (const c of this.requests.values()) lines.push(`nlp_requests_total${labelText(c.labels)} ${c.n}`);
    lines.push(...this.requestSeconds.render(), ...this.inferenceSeconds.render(), ...this.batchSize.render());
    lines.push("# HELP nlp_inference_failures_total Batches the model failed on (their requests got 424).", "# TYPE nlp_inference_failures_total counter");
    lines.push(`nlp_inference_failures_total ${this.inferenceFailures}`);
    lines.push("# HELP nlp_queue_depth Inputs waiting for the model.", "# TYPE nlp_queue_depth gauge", `nlp_queue_depth ${this.queueDepth()}`);
    lines.push("# HELP nlp_requests_in_flight Requests admitted and not yet answered.", "# TYPE nlp_requests_in_flight gauge", `nlp_requests_in_flight ${this.inFlight()}`);
    return lines.join("\n") + "\n";
  }
}
