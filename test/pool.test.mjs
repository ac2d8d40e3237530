// The worker pool (src/engine/pool.ts): order, typed errors and deaths across threads, and the issue's
// exactness rule — a text's scores do not depend on how many sessions ran the stream, nor (fp32) on the batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BIN, ROOT, fixture, jsonl, runCli } from "./helpers.mjs";
import { LanePool, settleWorkers } from "../dist/engine/pool.js";
import { UsageError, InferenceError } from "../dist/errors.js";
import { TextClassifier } from "../dist/tasks/classify/classifier.js";

const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");
const SST2 = join(ROOT, "test", "fixtures", "input", "sst2-dev.tsv");
const sst2 = readFileSync(SST2, "utf8").trimEnd().split("\n").slice(1).map((l) => l.split("\t")[0]);
const doubler = { module: pathToFileURL(join(ROOT, "test", "fixtures", "pool", "runner.mjs")).href, factory: "doubler" };

/** Starts jobs that wait a little until the pool has `n` worker threads up (lane 0 alone answers before). */
async function warm(pool, n) {
  const busy = [];
  for (let i = 0; pool.threads < n && i < 400; i++) {
    busy.push(pool.run({ values: [i], sleep: 20 }, `warm ${i}`));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(busy);
  assert.equal(pool.threads, n, "the worker threads never came up");
}

test("pool: every job answered with its own result, on worker threads once a job waits", async () => {
  const pool = await LanePool.start({ ...doubler, args: {} }, { workers: 3 });
  try {
    const jobs = Array.from({ length: 60 }, (_, i) => pool.run({ values: [i, -i], sleep: 3 }, `job ${i}`));
    const results = await Promise.all(jobs);
    results.forEach((r, i) => assert.deepEqual([...r.doubled], [2 * i, -2 * i]));
    const threads = new Set(results.map((r) => r.thread));
    assert.ok([...threads].some((t) => t !== 0), "no job ran in a worker thread");
    assert.ok(pool.threads >= 1 && pool.threads <= 3, `threads: ${pool.threads}`);
  } finally {
    await pool.close();
  }
});

test("pool: a worker's typed error arrives as the same class; a worker that exits fails only its job, named, and the pool goes on", async () => {
  const pool = await LanePool.start({ ...doubler, args: {} }, { workers: 2 });
  try {
    await warm(pool, 2);
    const usage = await pool.run({ values: [1], usage: true }, "job u").catch((e) => e);
    assert.ok(usage instanceof UsageError, String(usage));
    assert.deepEqual(usage.options, ["x"]);
    const died = await pool.run({ values: [1], exit: true }, "records 65–128").catch((e) => e);
    assert.ok(died instanceof InferenceError, String(died));
    assert.match(died.message, /^worker \d+ stopped \(exit code 7\) while running records 65–128; /);
    const after = await pool.run({ values: [21] }, "job after");
    assert.deepEqual([...after.doubled], [42]);
  } finally {
    await pool.close();
  }
});

test("pool: workers that cannot build their runner fail the waiting jobs with the runner's error; close never hangs", async () => {
  const pool = await LanePool.start({ ...doubler, args: { failSetup: true } }, { workers: 2 });
  // lane 0 (this thread) built fine and answers a job alone
  assert.deepEqual([...(await pool.run({ values: [2] }, "first")).doubled], [4]);
  const jobs = Array.from({ length: 6 }, (_, i) => pool.run({ values: [i], sleep: 30 }, `job ${i}`).catch((e) => e));
  const results = await Promise.all(jobs);
  const refused = results.filter((r) => r instanceof UsageError);
  assert.ok(refused.length >= 1, "no job saw the workers' setup error");
  assert.match(refused[0].message, /`setup` refused in a worker/);
  await pool.close();
  await pool.close(); // twice: a no-op
});

test("pool: close() while workers are still starting resolves once they stopped", async () => {
  const pool = await LanePool.start({ ...doubler, args: {} }, { workers: 3 });
  const jobs = Array.from({ length: 8 }, (_, i) => pool.run({ values: [i], sleep: 10 }, `job ${i}`).catch((e) => e));
  await pool.close();
  const results = await Promise.all(jobs);
  assert.ok(results.every((r) => r instanceof InferenceError || r.doubled), "a job neither answered nor rejected");
});

test("exactness: SST-2 dev (872) gives byte-identical records with --workers 1 and --workers 2 (int8, one text a run)", async () => {
  const args = ["classify", "-m", EMBEDDED, "-f", SST2, "--function", "none", "--all-scores", "--format", "jsonl"];
  const one = await runCli([...args, "--workers", "1"]);
  const two = await runCli([...args, "--workers", "2"]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(jsonl(one.stdout).length, 872);
  assert.equal(two.stdout, one.stdout);
});

test("exactness: the library's workers 2 really runs worker threads and gives the records of workers 1", async () => {
  const runWith = async (workers) => {
    const model = await TextClassifier.fromFolder(EMBEDDED, { workers });
    try {
      const out = await model.classify(sst2, { function: "none", allScores: true });
      return { out, threads: model.workerThreads };
    } finally {
      await model.dispose();
    }
  };
  const one = await runWith(1);
  const two = await runWith(2);
  assert.equal(one.threads, 0);
  assert.ok(two.threads >= 1, "workers 2 never started a worker thread");
  assert.deepEqual(two.out, one.out);
});

test("exactness: fp32, batch sizes 1 and 8 agree within 1e-6 with the same labels; workers 1 and 2 at batch 8 are identical", async () => {
  const texts = sst2.slice(0, 300);
  const run = async (batchSize, workers) => {
    const model = await TextClassifier.fromFolder(fixture("distilbert"), { variant: "fp32", batchSize, workers });
    try {
      return await model.classify(texts, { allScores: true });
    } finally {
      await model.dispose();
    }
  };
  const b1 = await run(1, 2);
  const b8 = await run(8, 2);
  const b8w1 = await run(8, 1);
  assert.deepEqual(b8w1, b8);
  for (let i = 0; i < texts.length; i++) {
    assert.equal(b8[i].label, b1[i].label, texts[i]);
    for (const [label, score] of Object.entries(b8[i].scores)) {
      assert.ok(Math.abs(score - b1[i].scores[label]) <= 1e-6, `${texts[i]}: ${label} ${score} vs ${b1[i].scores[label]}`);
    }
  }
});

test("a worker that dies mid-run: exit 1, one line naming its records, every earlier row written in order", async () => {
  const full = await runCli(["classify", "-m", EMBEDDED, "-f", SST2, "-q", "--format", "jsonl", "--workers", "1"]);
  assert.equal(full.code, 0, full.stderr);
  const killer = join(ROOT, "test", "fixtures", "pool", "kill-worker.mjs");
  const r = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", pathToFileURL(killer).href, BIN, "classify", "-m", EMBEDDED, "-f", SST2, "-q", "--format", "jsonl", "--workers", "2"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(r.code, 1, r.stderr);
  const m = r.stderr.match(/^nlp: worker \d+ stopped \(exit code 9\) while running records (\d+)–(\d+); .*--workers 1/);
  assert.ok(m, r.stderr);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  const first = Number(m[1]);
  const written = jsonl(r.stdout);
  assert.equal(written.length, first - 1, "rows before the dead window must all be written, none after");
  assert.deepEqual(written, jsonl(full.stdout).slice(0, first - 1));
});

test("settleWorkers waits for workers still releasing their sessions: an early exit never cuts a release short", async () => {
  // a closed stdout makes the CLI dispose its model (the pool closes: each worker releases its session, then
  // ends) while exitWhenSafe waits to exit; the process must not exit with a worker inside that release
  const marker = mkdtempSync(join(tmpdir(), "nlp-pool-release-"));
  try {
    const pool = await LanePool.start({ ...doubler, args: { slowDispose: 300, marker } }, { workers: 2 });
    await warm(pool, 2);
    const closing = pool.close();
    await new Promise((r) => setTimeout(r, 50)); // the workers are inside their release now
    const started = readdirSync(marker).filter((f) => f.startsWith("releasing-"));
    assert.equal(started.length, 2, "the close did not reach the workers");
    await settleWorkers();
    const done = readdirSync(marker).filter((f) => f.startsWith("released-"));
    assert.deepEqual(done.map((f) => f.replace("released-", "")).sort(), started.map((f) => f.replace("releasing-", "")).sort(), "settleWorkers resolved while a worker was still releasing its session");
    await closing;
  } finally {
    rmSync(marker, { recursive: true, force: true });
  }
});

test("a closed stdout while worker threads run windows: exit 0, never ONNX Runtime's abort (exit 134)", async () => {
  // the process may only exit once no worker is inside a session's run or creation (settleWorkers)
  const long = Array.from({ length: 3000 }, (_, i) => `${sst2[i % sst2.length]} ${sst2[(i * 7) % sst2.length]} ${i}`).join("\n") + "\n";
  for (let round = 0; round < 3; round++) {
    const r = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "classify", "-m", EMBEDDED, "-q", "--format", "jsonl", "--workers", "2"], { stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      // the first lines arrive once several windows are running: then the reader goes away, as `head -1` does
      let seen = 0;
      child.stdout.on("data", (d) => {
        seen += d.length;
        if (seen > 2000) child.stdout.destroy();
      });
      child.stdin.on("error", () => {});
      child.stdin.end(long);
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /terminate called|Napi::Error/);
  }
});

test("eager (a big input file): the worker threads start with the model, before any window; without it, only when a window waits", async () => {
  const eager = await TextClassifier.fromFolder(EMBEDDED, { workers: 2, eager: true });
  const lazy = await TextClassifier.fromFolder(EMBEDDED, { workers: 2 });
  try {
    for (let i = 0; i < 500 && eager.workerThreads < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(eager.workerThreads, 2, "eager workers never came up");
    assert.equal(lazy.workerThreads, 0, "a lazy pool started threads with no window waiting");
    const a = await eager.classify(sst2.slice(0, 100), { function: "none", allScores: true });
    const b = await lazy.classify(sst2.slice(0, 100), { function: "none", allScores: true });
    assert.deepEqual(a, b);
  } finally {
    await eager.dispose();
    await lazy.dispose();
  }
});

test("a container's CPU limit caps the cores the default plans for: cgroup v2 cpu.max, v1 cfs quota, none", async () => {
  const { cpuQuota } = await import("../dist/engine/cores.js");
  const files = (map) => (p) => {
    if (!(p in map)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    return map[p];
  };
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "200000 100000\n" })), 2);
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" })), 2, "1.5 CPUs: two sessions' worth, rounded up");
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "50000 100000\n" })), 1);
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" })), undefined);
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "400000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" })), 4);
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "300000\n", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n" })), 3);
  assert.equal(cpuQuota(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" })), undefined);
  assert.equal(cpuQuota(files({})), undefined);
});

test("pool: once every worker is up, lane 0's session is released (the plan counts `workers` sessions, not one more)", async () => {
  let released = false;
  const pool = await LanePool.start(
    { ...doubler, args: {} },
    {
      workers: 2,
      first: async () => ({
        run: async (job) => {
          if (job.sleep) await new Promise((r) => setTimeout(r, job.sleep));
          return { doubled: Float32Array.from(job.values, (v) => v * 2), thread: 0 };
        },
        dispose: async () => void (released = true),
      }),
    },
  );
  try {
    assert.equal(released, false);
    await warm(pool, 2);
    const after = await pool.run({ values: [4] }, "after");
    assert.deepEqual([...after.doubled], [8]);
    assert.notEqual(after.thread, 0, "lane 0 took a job after the workers were up");
    assert.equal(released, true);
  } finally {
    await pool.close();
  }
});
