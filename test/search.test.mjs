// `nlp search` over a corpus file and over an index made by `nlp embed --index`: the top lines by the
// model's similarity of sentence-transformers' reference vectors (query prompt on queries), best first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess, jsonl, ROOT } from "./helpers.mjs";

const DIR = join(ROOT, "test", "fixtures", "hf-embed");
const TOL = 1e-5;
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const cos = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

/** A corpus of the reference texts (one line each) and a copy of the model without a passage prompt, so corpus vectors are the prompt-less references. */
function setup() {
  const tmp = mkdtempSync(join(tmpdir(), "nlp-search-"));
  const model = join(tmp, "model");
  cpSync(join(DIR, "xlm_roberta"), model, { recursive: true });
  const cfg = join(model, "config_sentence_transformers.json");
  writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, "utf8")), prompts: { query: "query: " } }));
  const all = JSON.parse(readFileSync(join(DIR, "xlm_roberta", "embed_reference.json"), "utf8")).cases;
  const docs = all.filter((c) => c.prompt_name === null && !/[\n\r\0]/.test(c.text) && c.text.trim() !== "");
  const corpus = join(tmp, "corpus.txt");
  writeFileSync(corpus, docs.map((c) => c.text).join("\n") + "\n");
  const queries = [3, 11].map((i) => all.find((c) => c.prompt_name === "query" && c.text === docs[i].text));
  /** expected top k for a query: every line scored from the references, best first, earlier line on ties */
  const expected = (q, k) =>
    docs
      .map((d, i) => ({ line: i + 1, text: d.text, score: cos(q.embedding, d.embedding) }))
      .sort((a, b) => b.score - a.score || a.line - b.line)
      .slice(0, k);
  return { tmp, model, corpus, docs, queries, expected };
}

function assertHits(out, queries, expected, k) {
  assert.equal(out.length, queries.length * k);
  queries.forEach((q, qi) => {
    const want = expected(q, k);
    const got = out.slice(qi * k, (qi + 1) * k);
    got.forEach((h, r) => {
      assert.equal(h.query, q.text);
      assert.equal(h.rank, r + 1);
      assert.equal(h.line, want[r].line, `query ${qi} rank ${r + 1}`);
      assert.equal(h.text, want[r].text);
      assert.ok(Math.abs(h.score - want[r].score) <= TOL, `query ${qi} rank ${r + 1}: ${h.score} vs ${want[r].score}`);
    });
  });
}

test("search --corpus: the k best lines per query with scores and line numbers, query prompt on queries", async () => {
  const s = setup();
  try {
    const res = await runInProcess(["search", "-m", s.model, "--corpus", s.corpus, "--top-k", "5", "--format", "jsonl", ...s.queries.map((q) => q.text)]);
    assert.equal(res.code, 0, res.stderr);
    const out = jsonl(res.stdout);
    assertHits(out, s.queries, s.expected, 5);
  } finally {
    rmSync(s.tmp, { recursive: true, force: true });
  }
});

test("embed --index then search --index: same hits without embedding the corpus again; the index files are plain", async () => {
  const s = setup();
  try {
    const idx = join(s.tmp, "corpus.idx");
    const built = await runInProcess(["embed", "-m", s.model, "--index", idx, "-f", s.corpus]);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, new RegExp(`indexed ${s.docs.length} record\\(s\\) of 32 dimensions`));
    const meta = JSON.parse(readFileSync(join(idx, "index.json"), "utf8"));
    assert.deepEqual([meta.rows, meta.dims, meta.prompt, meta.normalize, meta.similarity_fn_name], [s.docs.length, 32, "", false, "cosine"]);
    const texts = readFileSync(join(idx, "texts.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(texts[2], { line: 3, text: s.docs[2].text });
    // no -m: the index's own model embeds the queries
    const res = await runInProcess(["search", "--index", idx, "--top-k", "4", "--format", "jsonl", ...s.queries.map((q) => q.text)]);
    assert.equal(res.code, 0, res.stderr);
    assertHits(jsonl(res.stdout), s.queries, s.expected, 4);
    const dims = await runInProcess(["search", "--index", idx, "--dimensions", "8", "x"]);
    assert.equal(dims.code, 2);
    assert.match(dims.stderr, /drop --dimensions/);
  } finally {
    rmSync(s.tmp, { recursive: true, force: true });
  }
});

test("search: usage errors exit 2 with the fix", async () => {
  const m = ["search", "-m", join(DIR, "bert")];
  for (const [args, pattern] of [
    [[...m, "q"], /--corpus FILE or --index DIR/],
    [[...m, "--corpus", "a.txt", "--index", "b", "q"], /--corpus FILE or --index DIR/],
    [[...m, "--index", DIR, "q"], /not an embedding index .*nlp embed -m MODEL --index/],
    [[...m, "--corpus", join(DIR, "nope.txt"), "--top-k", "0", "q"], /--top-k must be an integer ≥ 1/],
  ]) {
    const res = await runInProcess(args);
    assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
    assert.match(res.stderr, pattern);
  }
});

test("search with no query (empty stdin) still writes a well-formed empty output: [] in JSON, the header in CSV", async () => {
  const m = ["search", "-m", join(DIR, "bert"), "--corpus", join(ROOT, "test", "fixtures", "embedded-logits.txt")];
  const json = await runInProcess([...m, "--format", "json"], { input: "" });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), []);
  const csv = await runInProcess([...m, "--format", "csv"], { input: "" });
  assert.equal(csv.stdout, "rank,score,line,text\n");
});

test("an index of an empty corpus is searched (no hits, exit 0), not refused as built by another model", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "nlp-search-empty-"));
  try {
    const idx = join(tmp, "idx");
    const corpus = join(tmp, "empty.txt");
    writeFileSync(corpus, "");
    const built = await runInProcess(["embed", "-m", join(DIR, "bert"), "--index", idx, "-f", corpus]);
    assert.equal(built.code, 0, built.stderr);
    const res = await runInProcess(["search", "--index", idx, "--format", "json", "fruit"]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("search --index with -m another model of the same dimensions warns that the scores mix two models; the index's own model does not", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "nlp-search-other-"));
  try {
    const idx = join(tmp, "idx");
    const corpus = join(tmp, "corpus.txt");
    writeFileSync(corpus, "apple\nbanana\n");
    assert.equal((await runInProcess(["embed", "-m", join(DIR, "bert"), "--index", idx, "-f", corpus])).code, 0);
    const other = await runInProcess(["search", "--index", idx, "-m", join(DIR, "xlm_roberta"), "--format", "jsonl", "fruit"]);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /warning: .* was built with .*bert.*; the queries are embedded with .*xlm_roberta/);
    const same = await runInProcess(["search", "--index", idx, "-m", join(DIR, "bert"), "--format", "jsonl", "fruit"]);
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /warning/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
