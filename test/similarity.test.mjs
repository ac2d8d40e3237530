// `nlp similarity`: scores of sentence-transformers' reference vectors, by the model's similarity_fn_name
// or --function, for TEXT arguments and for pairs from JSONL, CSV and TSV, in input order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess, jsonl, ROOT } from "./helpers.mjs";

const DIR = join(ROOT, "test", "fixtures", "hf-embed");
const TOL = 1e-5;
const cases = (name, prompt = null) =>
  JSON.parse(readFileSync(join(DIR, name, "embed_reference.json"), "utf8")).cases.filter((c) => c.prompt_name === prompt);

// the expected scores, written out from the definitions (sentence-transformers' util functions)
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const cos = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
const euclidean = (a, b) => -Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
const manhattan = (a, b) => -a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0);

test("similarity: two TEXT arguments, and one text against several, by the model's cosine", async () => {
  const c = cases("bert");
  const res = await runInProcess(["similarity", "-m", join(DIR, "bert"), "--format", "jsonl", c[0].text, c[1].text, c[2].text, c[0].text]);
  assert.equal(res.code, 0, res.stderr);
  const out = jsonl(res.stdout);
  assert.deepEqual(out.map((o) => [o.text, o.text_pair]), [[c[0].text, c[1].text], [c[0].text, c[2].text], [c[0].text, c[0].text]]);
  [c[1], c[2], c[0]].forEach((other, i) => assert.ok(Math.abs(out[i].score - cos(c[0].embedding, other.embedding)) <= TOL, `pair ${i}`));
  const one = await runInProcess(["similarity", "-m", join(DIR, "bert"), "only one"]);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /needs two texts/);
});

test("similarity: JSONL pairs (--text-key/--pair-key), input fields kept, --prompt-name on both sides, --skip-invalid", async () => {
  const c = cases("xlm_roberta", "query");
  const pairs = [0, 2, 4, 6].map((i) => ({ id: i, s1: c[i].text, s2: c[i + 1].text }));
  const input = pairs.map((p) => JSON.stringify(p)).join("\n") + '\n{"id":99,"s1":"no pair"}\n';
  const args = ["similarity", "-m", join(DIR, "xlm_roberta"), "--input", "jsonl", "--text-key", "s1", "--pair-key", "s2", "--prompt-name", "query", "--format", "jsonl"];
  const strict = await runInProcess(args, { input });
  assert.equal(strict.code, 1, "a record without the second text is an error");
  assert.match(strict.stderr, /line 5 has no "s2" field .*--pair-key/);
  const res = await runInProcess([...args, "--skip-invalid"], { input });
  assert.equal(res.code, 0, res.stderr);
  const out = jsonl(res.stdout);
  assert.deepEqual(out.map((o) => o.id), [0, 2, 4, 6]);
  out.forEach((o, k) => {
    const i = pairs[k].id;
    assert.equal(o.s1, c[i].text);
    assert.ok(Math.abs(o.score - cos(c[i].embedding, c[i + 1].embedding)) <= TOL, `pair ${i}`);
  });
  assert.match(res.stderr, /skipped: line 5/);
});

test("similarity: CSV/TSV pairs keep the input columns and add score; --function dot, euclidean, manhattan", async () => {
  const c = cases("xlm_roberta"); // not normalized: the four functions differ
  const q = (s) => `"${s.replace(/"/g, '""')}"`;
  const csv = "first,second\n" + [0, 1, 2].map((i) => `${q(c[i].text)},${q(c[i + 3].text)}`).join("\n") + "\n";
  const { parse } = await import("csv-parse/sync");
  for (const [fn, f] of [["dot", dot], ["euclidean", euclidean], ["manhattan", manhattan], [undefined, cos]]) {
    const args = ["similarity", "-m", join(DIR, "xlm_roberta"), "--input", "csv"];
    if (fn) args.push("--function", fn);
    const res = await runInProcess(args, { input: csv });
    assert.equal(res.code, 0, res.stderr);
    const rows = parse(res.stdout);
    assert.deepEqual(rows[0], ["first", "second", "score"]);
    [0, 1, 2].forEach((i) => {
      assert.equal(rows[i + 1][0], c[i].text);
      const want = f(c[i].embedding, c[i + 3].embedding);
      assert.ok(Math.abs(Number(rows[i + 1][2]) - want) <= TOL * Math.max(1, Math.abs(want)), `${fn ?? "cosine"} row ${i}: ${rows[i + 1][2]} vs ${want}`);
    });
  }
  const tsv = "id\tq\td\n7\t" + c[0].text + "\t" + c[1].text + "\n";
  const res = await runInProcess(["similarity", "-m", join(DIR, "xlm_roberta"), "--input", "tsv", "--column", "q", "--pair-column", "3"], { input: tsv });
  assert.equal(res.code, 0, res.stderr);
  const [head, row] = res.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
  assert.deepEqual(head, ["id", "q", "d", "score"]);
  assert.ok(Math.abs(Number(row[3]) - cos(c[0].embedding, c[1].embedding)) <= TOL);
  const three = await runInProcess(["similarity", "-m", join(DIR, "xlm_roberta"), "--input", "tsv"], { input: tsv });
  assert.equal(three.code, 2);
  assert.match(three.stderr, /--column <name\|n> and --pair-column/);
  const lines = await runInProcess(["similarity", "-m", join(DIR, "xlm_roberta")], { input: "a\nb\n" });
  assert.equal(lines.code, 2);
  assert.match(lines.stderr, /--input csv, tsv or jsonl/);
});

test("similarity: the model's similarity_fn_name decides the default score", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-sim-"));
  try {
    cpSync(join(DIR, "xlm_roberta"), dir, { recursive: true });
    const cfg = join(dir, "config_sentence_transformers.json");
    writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, "utf8")), similarity_fn_name: "dot" }));
    const c = cases("xlm_roberta");
    const res = await runInProcess(["similarity", "-m", dir, "--format", "jsonl", c[0].text, c[1].text]);
    assert.equal(res.code, 0, res.stderr);
    const want = dot(c[0].embedding, c[1].embedding);
    assert.ok(Math.abs(jsonl(res.stdout)[0].score - want) <= TOL * Math.abs(want));
    const bad = await runInProcess(["similarity", "-m", dir, "--function", "jaccard", "a", "b"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cosine, dot, euclidean, manhattan/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a header-only CSV with CSV out: nlp similarity prints the header plus score", async () => {
  const r = await runInProcess(["similarity", "-m", join(DIR, "bert"), "--input", "csv", "--format", "csv"], { input: "text,text_pair,id\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "text,text_pair,id,score\n");
});
