import { readFileSync, statSync } from "node:fs";
import { availableParallelism, freemem } from "node:os";

/**
 * Physical cores: ONNX Runtime's matmuls gain nothing from SMT siblings and
 * lose to their contention, so intra-op threads default to this, not to the
 * logical CPU count. A container's CPU limit (cgroup quota) caps it too: a pod
 * limited to 2 CPUs on a 64-core host must not start 64 sessions.
 */
export function physicalCores(): number {
  const logical = Math.min(availableParallelism(), cpuQuota() ?? Infinity);
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const cores = new Set<string>();
    let phys = "0";
    for (const line of info.split("\n")) {
      const [k, v] = line.split(":").map((s) => s?.trim());
      if (k === "physical id") phys = v;
      else if (k === "core id") cores.add(`${phys}:${v}`);
    }
    // Containers may be limited below the host's core count.
    if (cores.size > 0) return Math.max(1, Math.min(cores.size, logical));
  } catch {
    // not Linux: fall through
  }
  return logical;
}

/**
 * The CPUs a cgroup CPU limit allows (quota / period, rounded up; at least 1), or undefined without a limit:
 * cgroup v2's cpu.max ("max 100000" = none, "200000 100000" = 2), else v1's cpu.cfs_quota_us (-1 = none) and
 * cpu.cfs_period_us. Read from /sys/fs/cgroup, which is the container's own cgroup inside a container.
 */
export function cpuQuota(read: (path: string) => string = (p) => readFileSync(p, "utf8")): number | undefined {
  const cpus = (quota: number, period: number) => (quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : undefined);
  try {
    const [quota, period] = read("/sys/fs/cgroup/cpu.max").trim().split(/\s+/);
    return quota === "max" ? undefined : cpus(Number(quota), Number(period));
  } catch {
    // no cgroup v2 file: try v1
  }
  for (const dir of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]) {
    try {
      return cpus(Number(read(`${dir}/cpu.cfs_quota_us`).trim()), Number(read(`${dir}/cpu.cfs_period_us`).trim()));
    } catch {
      // not this layout
    }
  }
  return undefined;
}

/** How many sessions a model runs at once (`workers`) and the intra-op threads of each. */
export interface LanePlan {
  workers: number;
  /** intra-op threads of each worker thread's session */
  threads: number;
  /**
   * intra-op threads of lane 0, the calling thread's session: it runs alone (a text, an input of one window)
   * until the workers are up, so it gets every core unless `threads` says otherwise
   */
  firstThreads: number;
}

/**
 * Resident memory of one session as a multiple of its graph file: the weights, ONNX Runtime's optimised copy
 * of them and its activation arena (bench/memory: int8 DistilBERT 67 MB file → ~150 MB a session).
 */
const SESSION_BYTES_PER_FILE_BYTE = 3;

/** What the plan depends on besides the machine. */
export interface LaneRequest {
  workers?: number;
  threads?: number;
  /** texts per ONNX Runtime call the model will run (its default when none is asked for) */
  batchSize: number;
}

/**
 * The default, measured (docs/performance.md, "The worker pool"): one text a call (int8) keeps a single
 * session's second thread mostly waiting, so one session per physical core with one thread each (SST-2 int8
 * 1.6× one session); batched float graphs use intra-op threads well and each session holds its weights and
 * a batch's activations, so one session with every core (fp32 SST-2: 7.5 s and 0.6 GB against 8.1 s and
 * 1.4 GB with two). Never more sessions than half the free memory holds. `threads` given alone keeps the
 * default workers; `workers` given alone shares the cores between them.
 */
export function planLanes(onnx: string, req: LaneRequest): LanePlan {
  return lanePlan(onnx, req).plan;
}

/** planLanes with its reasons, for `nlp info`. */
export function describeLanes(onnx: string, batchSize: number): string {
  const { plan, cores, fits, sessionBytes } = lanePlan(onnx, { batchSize });
  const mb = Math.round(sessionBytes / 1e6);
  const why = batchSize === 1 ? "one text a call: a session per core" : `batches of ${batchSize}: one session, every core`;
  return `${plan.workers} session${plan.workers === 1 ? "" : "s"} × ${plan.threads} thread${plan.threads === 1 ? "" : "s"} (${why}; ${cores} physical core${cores === 1 ? "" : "s"}; free memory holds ${fits} sessions of ~${mb} MB in its half); change with --workers/--threads`;
}

function lanePlan(onnx: string, opts: LaneRequest): { plan: LanePlan; cores: number; fits: number; sessionBytes: number } {
  const cores = physicalCores();
  let bytes = 0;
  try {
    bytes = statSync(onnx).size;
  } catch {
    // the opener names a missing graph; plan as for a small one
  }
  const sessionBytes = bytes * SESSION_BYTES_PER_FILE_BYTE;
  const fits = sessionBytes > 0 ? Math.floor(freemem() / 2 / sessionBytes) : cores;
  const workers = opts.workers ?? (opts.batchSize === 1 ? Math.max(1, Math.min(cores, fits)) : 1);
  const threads = opts.threads ?? Math.max(1, Math.floor(cores / workers));
  return { plan: { workers, threads, firstThreads: opts.threads ?? cores }, cores, fits, sessionBytes };
}
