// nlp ner and nlp embed on the worker pool (engine/pool.ts): the same records and the same .npy bytes for
// --workers 1 and --workers 2 when several windows run, worker threads really started (and stopped by dispose),
// and a usage error raised inside a worker still a UsageError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEmbedder, loadTokenClassifier, UsageError } from "../dist/index.js";
import { runCli, jsonl, ROOT } from "./helpers.mjs";
import { tokenFixture, nerReference } from "./ner-helpers.mjs";

const EMBED = join(ROOT, "test", "fixtures", "hf-embed", "bert");
const embedTexts = () => JSON.parse(readFileSync(join(EMBED, "embed_reference.json"), "utf8")).cases.map((c) => c.text);

/** n texts cycling through the reference cases (short, long, emoji, one of 9,000 characters), each made unique. */
function many(base, n) {
  return Array.from({ length: n }, (_, i) => `${base[i % base.length]} (${i})`);
}
const asJsonl = (texts) => texts.map((text) => JSON.stringify({ text })).join("\n") + "\n";

// --batch-size 2: windows of 64 texts, so 300 texts are 5 windows, several in flight at once
const N = 300;

test("nlp ner: --workers 1 and --workers 2 write identical records over several windows (truncated and --stride)", async () => {
  const texts = many(nerReference("bert").cases.map((c) => c.text), N);
  const input = asJsonl(texts);
  for (const extra of [[], ["--stride", "32", "--offsets", "utf16", "--threshold", "0.05"]]) {
    const args = ["ner", "-m", tokenFixture("bert"), "--input", "jsonl", "--format", "jsonl", "--batch-size", "2", ...extra];
    const one = await runCli([...args, "--workers", "1"], { input });
    const two = await runCli([...args, "--workers", "2"], { input });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const recs = jsonl(one.stdout);
    assert.deepEqual(
      recs.map((r) => r.text),
      texts,
      "one record per text, in input order",
    );
    assert.ok(recs.filter((r) => r.entities.length > 0).length > N / 4, `entities found (${extra.join(" ") || "default"})`);
    assert.equal(two.stdout, one.stdout, `same records for 1 and 2 workers (${extra.join(" ") || "default"})`);
    // the truncation notice counts the same cut texts
    assert.equal(two.stderr, one.stderr);
  }
});

test("nlp embed: --workers 1 and --workers 2 write identical .npy bytes over several windows", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-pool-embed-"));
  try {
    const input = asJsonl(many(embedTexts(), N));
    for (const extra of [[], ["--prompt-name", "query", "--dimensions", "16"]]) {
      const files = [];
      for (const workers of ["1", "2"]) {
        const out = join(dir, `w${workers}.npy`);
        const r = await runCli(["embed", "-m", EMBED, "--input", "jsonl", "--batch-size", "2", "--workers", workers, "-o", out, ...extra], { input });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`float32 \\[${N}, ${extra.length ? 16 : 32}\\]`));
        files.push(readFileSync(out));
      }
      assert.ok(files[0].equals(files[1]), `same bytes for 1 and 2 workers (${extra.join(" ") || "default"})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Texts for a stream on `model` that holds back its second half until the model's worker threads are up:
 * they start when a window waits while the calling thread's session is busy, and windows then go to them.
 */
async function* waitingForWorkers(model, texts) {
  const half = texts.length / 2;
  yield* texts.slice(0, half);
  const deadline = Date.now() + 30_000;
  while (model.workerThreads < model.workers) {
    assert.ok(Date.now() < deadline, `worker threads up: ${model.workerThreads} of ${model.workers}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  yield* texts.slice(half);
}

test("loadTokenClassifier with workers 2: a stream starts worker threads, gives the one-worker entities, dispose stops them", async () => {
  const texts = many(nerReference("roberta").cases.map((c) => c.text), N);
  const one = await loadTokenClassifier(tokenFixture("roberta"), { workers: 1, batchSize: 2 });
  const two = await loadTokenClassifier(tokenFixture("roberta"), { workers: 2, batchSize: 2 });
  try {
    const want = await one.ner(texts);
    assert.equal(one.workerThreads, 0, "one worker: the calling thread's session only");
    assert.equal(two.workerThreads, 0, "no thread before any window waits");
    const got = [];
    for await (const r of two.nerStream(waitingForWorkers(two, texts), (t) => t)) got.push({ text: r.text, entities: r.entities, truncated: r.truncated });
    assert.equal(two.workerThreads, 2);
    assert.deepEqual(got, want);
  } finally {
    await one.dispose();
    await two.dispose();
  }
  assert.equal(two.workerThreads, 0, "dispose stopped the worker threads");
});

test("loadEmbedder with workers 2: a stream starts worker threads, gives the one-worker vectors; a worker's usage error stays a UsageError", async () => {
  const texts = many(embedTexts(), N);
  const one = await loadEmbedder(EMBED, { workers: 1, batchSize: 2 });
  const two = await loadEmbedder(EMBED, { workers: 2, batchSize: 2 });
  try {
    const want = await one.embed(texts);
    const got = [];
    for await (const r of two.embedStream(waitingForWorkers(two, texts))) got.push(r.embedding);
    assert.equal(two.workerThreads, 2);
    assert.equal(got.length, want.length);
    got.forEach((v, i) => assert.deepEqual(v, want[i], `text ${i}`));
    // the workers are up, so these windows run there: the error crosses back as its own class (exit 2 in the CLI)
    await assert.rejects(two.embed(texts, { dimensions: 10_000 }), (err) => err instanceof UsageError && /dimensions/.test(err.message));
  } finally {
    await one.dispose();
    await two.dispose();
  }
  assert.equal(two.workerThreads, 0, "dispose stopped the worker threads");
});

test("--workers must be a positive integer (exit 2) for ner and embed", async () => {
  for (const cmd of [["ner", "-m", tokenFixture("bert")], ["embed", "-m", EMBED]]) {
    const r = await runCli([...cmd, "--workers", "0", "Ada Lovelace"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^nlp: --workers must be an integer from 1 to 256, got "0"/);
  }
});
