// Streaming: input order, bounded read-ahead, results before the input ends, nothing lost on an input error,
// `| head` ends quietly, --shard splits deterministically, GNU parallel recipes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { windowed } from "../dist/engine/windowed.js";
import { BIN, fixture, runInProcess, jsonl } from "./helpers.mjs";

const M = fixture("distilbert");
const tmp = mkdtempSync(join(tmpdir(), "nlp-stream-"));

/** A window runner that, like length-sorted batching, handles items out of order but returns them in order. */
async function reversingRun(win) {
  const out = new Array(win.length);
  for (let i = win.length - 1; i >= 0; i--) {
    await new Promise((r) => setImmediate(r));
    out[i] = win[i] * 10;
  }
  return out;
}

test("windowed: input order kept across windows; read-ahead stays within about two windows", async () => {
  let prepared = 0;
  let yielded = 0;
  let maxAhead = 0;
  async function* source() {
    for (let i = 0; i < 1000; i++) yield i;
  }
  const out = [];
  for await (const v of windowed(source(), (x) => (prepared++, x), reversingRun, { windowSize: 16 })) {
    maxAhead = Math.max(maxAhead, prepared - yielded);
    yielded++;
    out.push(v);
  }
  assert.deepEqual(out, Array.from({ length: 1000 }, (_, i) => i * 10));
  assert.ok(maxAhead <= 2 * 16 + 1, `read ahead ${maxAhead} items with windows of 16`);
});

test("windowed: an input error mid-way still yields every item read before it, then throws", async () => {
  async function* source() {
    for (let i = 0; i < 37; i++) yield i;
    throw new Error("bad record 38");
  }
  const out = [];
  await assert.rejects(async () => {
    for await (const v of windowed(source(), (x) => x, reversingRun, { windowSize: 8 })) out.push(v);
  }, /bad record 38/);
  assert.deepEqual(out, Array.from({ length: 37 }, (_, i) => i * 10));
});

test("windowed: when the input stalls, the partial window is run and yielded before more input arrives", async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  async function* source() {
    yield 1;
    yield 2;
    await gate; // nothing more until the first results are out
    yield 3;
  }
  const out = [];
  for await (const v of windowed(source(), (x) => x, reversingRun, { windowSize: 100, stallMs: 5 })) {
    out.push(v);
    if (out.length === 2) release();
  }
  assert.deepEqual(out, [10, 20, 30]);
});

test("CLI answers each line of a slow stdin without waiting for the end of input", async () => {
  const child = spawn(process.execPath, [BIN, "classify", "-m", M, "--format", "jsonl"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const firstLine = new Promise((resolve) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve();
    });
  });
  child.stdin.write("first review\n");
  await firstLine; // stdin is still open: the window ran because the input stalled
  assert.equal(jsonl(out)[0].text, "first review");
  child.stdin.end("second review\n");
  const code = await new Promise((r) => child.on("close", r));
  assert.equal(code, 0);
  assert.deepEqual(jsonl(out).map((o) => o.text), ["first review", "second review"]);
});

test("`nlp classify ... | head -1` on a big input: one line, exit 0, nothing on stderr", () => {
  const file = join(tmp, "big.txt");
  writeFileSync(file, Array.from({ length: 30000 }, (_, i) => `review ${i} was ${i % 2 ? "great" : "awful"}`).join("\n") + "\n");
  const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" classify -m "${M}" -f "${file}" --format jsonl | head -1`], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout.split("\n").filter(Boolean).length, 1);
  assert.equal(JSON.parse(r.stdout).text, "review 0 was awful");
});

test("--shard K/N: shards are disjoint, cover every record, take every N-th, and keep the CSV header", async () => {
  const rows = Array.from({ length: 23 }, (_, i) => [`${i}`, `text number ${i}`]);
  const input = "id,text\n" + rows.map((r) => r.join(",")).join("\n") + "\n";
  const seen = [];
  for (const k of [1, 2, 3]) {
    const r = await runInProcess(["classify", "-m", M, "--input", "csv", "--shard", `${k}/3`], { input });
    assert.equal(r.code, 0, r.stderr);
    const out = parse(r.stdout);
    assert.deepEqual(out[0], ["id", "text", "label", "score"]);
    const ids = out.slice(1).map((row) => Number(row[0]));
    assert.deepEqual(ids, rows.map((_, i) => i).filter((i) => i % 3 === k - 1));
    seen.push(...ids);
  }
  assert.deepEqual(seen.sort((a, b) => a - b), rows.map((_, i) => i));
});

test("--shard K/N applies to texts given as arguments too: `xargs nlp classify --shard k/N` labels each text once", async () => {
  const texts = ["one", "two", "three", "four", "five"];
  const seen = [];
  for (const k of [1, 2]) {
    const r = await runInProcess(["classify", "-m", M, "--format", "jsonl", "--shard", `${k}/2`, ...texts]);
    assert.equal(r.code, 0, r.stderr);
    const got = jsonl(r.stdout).map((o) => o.text);
    assert.deepEqual(got, texts.filter((_, i) => i % 2 === k - 1));
    seen.push(...got);
  }
  assert.equal(seen.length, texts.length);
});

test("--shard with more workers than rows of a headerless CSV/TSV: an empty shard writes nothing, so the parts concatenate to the whole", async () => {
  for (const [input, fmt] of [["csv", "csv"], ["tsv", "tsv"], ["csv", "tsv"]]) {
    const sep = input === "csv" ? "," : "\t";
    const data = ["1", "2"].map((id) => `${id}${sep}review ${id} was great`).join("\n") + "\n";
    const args = ["classify", "-m", M, "--input", input, "--no-header", "--column", "2", "--format", fmt];
    const whole = await runInProcess(args, { input: data });
    assert.equal(whole.code, 0, whole.stderr);
    let parts = "";
    for (const k of [1, 2, 3]) {
      const r = await runInProcess([...args, "--shard", `${k}/3`], { input: data });
      assert.equal(r.code, 0, r.stderr);
      if (k === 3) assert.equal(r.stdout, "", `${input} → ${fmt}: the empty shard wrote ${JSON.stringify(r.stdout)}`);
      parts += r.stdout;
    }
    assert.equal(parts, whole.stdout);
  }
  // the same for every command that echoes CSV rows (embed here): an empty headerless input writes no header
  const e = await runInProcess(["embed", "-m", join(dirname(M), "..", "hf-embed", "bert"), "--input", "csv", "--no-header", "--format", "csv", "--shard", "2/2"], { input: "only row\n" });
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stdout, "");
});

const hasParallel = spawnSync("parallel", ["--version"], { encoding: "utf8" }).status === 0;
const skipParallel = hasParallel ? false : "GNU parallel is not installed (apt-get install parallel); .ci/run installs it";

test("GNU parallel: `parallel --pipe -k` over a line-in/line-out filter keeps one output per input, in order", { skip: skipParallel }, () => {
  const file = join(tmp, "many.txt");
  const texts = Array.from({ length: 2000 }, (_, i) => (i % 11 === 0 ? "" : `line ${i} ${"so good ".repeat(i % 5)}`.trim()));
  writeFileSync(file, texts.join("\n") + "\n");
  const r = spawnSync(
    "bash",
    ["-c", `parallel --will-cite --pipe -k --block 8k -j 2 "${process.execPath}" "${BIN}" classify -m "${M}" --format jsonl < "${file}"`],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.text), texts);
});

test("GNU parallel: one CSV split with --shard {}/N across jobs; every row labelled exactly once", { skip: skipParallel }, () => {
  const file = join(tmp, "reviews.csv");
  const n = 50;
  writeFileSync(file, "id,text\n" + Array.from({ length: n }, (_, i) => `${i},"review ${i}, with a comma"`).join("\n") + "\n");
  const r = spawnSync(
    "bash",
    ["-c", `parallel --will-cite -k "${process.execPath}" "${BIN}" classify -m "${M}" -f "${file}" --format csv --shard {}/3 ::: 1 2 3`],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = parse(r.stdout).filter((row) => row[0] !== "id");
  assert.deepEqual(rows.map((row) => Number(row[0])).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  rows.forEach((row) => assert.equal(row[1], `review ${row[0]}, with a comma`));
});

test("memory stays bounded by the window, not the row count: 60,000 rows under a 40 MB V8 heap", () => {
  // a per-record reaction left on a long-lived promise (the interrupt race) once ran out of heap at ~37,000 rows
  const file = join(tmp, "rows-60k.txt");
  writeFileSync(file, Array.from({ length: 60_000 }, (_, i) => `review number ${i}: ${i % 2 ? "great" : "awful"} film`).join("\n") + "\n");
  const r = spawnSync(process.execPath, ["--max-old-space-size=40", BIN, "classify", "-m", M, "--variant", "int8", "--batch-size", "32", "-q", "-f", file, "--format", "jsonl"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr.slice(0, 500));
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 60_000);
  assert.equal(JSON.parse(lines[59_999]).text, "review number 59999: great film");
});

test("windowed: a window whose run fails is thrown at its turn; later windows, already done, are never yielded (no gap)", async () => {
  const runs = [];
  const run = async (win, first) => {
    runs.push(first);
    // the second window fails only after the third has finished, as a slow dead worker would
    if (first === 2) {
      await new Promise((r) => setTimeout(r, 20));
      throw new Error("window 2 failed");
    }
    return win.map((x) => x * 10);
  };
  const out = [];
  await assert.rejects(
    (async () => {
      for await (const v of windowed([1, 2, 3, 4, 5, 6], (x) => x, run, { windowSize: 2, inFlight: 3 })) out.push(v);
    })(),
    /window 2 failed/,
  );
  assert.deepEqual(runs.sort(), [0, 2, 4], "all three windows ran at once");
  assert.deepEqual(out, [10, 20], "only the windows before the failed one");
});
