// The CLI as a user meets it: inputs, one output per input in order, formats, exit codes, stderr hygiene.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { load, UsageError } from "../dist/index.js";
import { fixture, runCli, runInProcess, jsonl } from "./helpers.mjs";

const BERT = fixture("bert");
const MULTI = fixture("roberta_multilabel");

test("TEXT arguments: one JSONL record each, in order, nothing on stderr", async () => {
  const r = await runInProcess(["classify", "-m", BERT, "--variant", "fp32", "good film", "", "bad film"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = jsonl(r.stdout);
  assert.deepEqual(out.map((o) => o.text), ["good film", "", "bad film"]);
  // the same numbers as the library
  const model = await load(BERT, { variant: "fp32" });
  const lib = await model.classify(["good film", "", "bad film"]);
  out.forEach((o, i) => {
    assert.equal(o.label, lib[i].label);
    assert.ok(Math.abs(o.score - lib[i].score) < 1e-9);
    assert.deepEqual(Object.keys(o), ["text", "label", "score"]);
  });
});

test("a model folder as the first positional when -m is absent", async () => {
  const r = await runInProcess(["classify", BERT, "good film"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.text), ["good film"]);
});

test("stdin lines: blank lines and CRLF kept as records, order preserved over many batches", async () => {
  const texts = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? "" : `review number ${i} ${"word ".repeat(i % 50)}`.trim()));
  const r = await runInProcess(["classify", "-m", BERT, "--variant", "fp32", "--batch-size", "4"], { input: texts.join("\r\n") + "\r\n" });
  assert.equal(r.code, 0, r.stderr);
  const out = jsonl(r.stdout);
  assert.equal(out.length, texts.length);
  assert.deepEqual(out.map((o) => o.text), texts);
});

test("invalid UTF-8 on stdin becomes replacement characters, not a crash", async () => {
  const r = await runInProcess(["classify", "-m", BERT], { input: Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x0a, 0xc3, 0x0a]) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.text), ["ok\ufffd\ufffd", "\ufffd"]);
});

test("--file and '-' read records; a missing file is a usage error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-cli-"));
  const f = join(dir, "in.txt");
  writeFileSync(f, "one\ntwo");
  const r = await runInProcess(["classify", "-m", BERT, "--file", f]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.text), ["one", "two"]);
  const s = await runInProcess(["classify", "-m", BERT, "-f", "-"], { input: "three\n" });
  assert.deepEqual(jsonl(s.stdout).map((o) => o.text), ["three"]);
  const missing = await runInProcess(["classify", "-m", BERT, "--file", join(dir, "nope.txt")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /input file not found/);
});

test("JSONL input: text key, dotted path, fields passed through; invalid JSON names the line", async () => {
  const input = '{"id":1,"text":"fine"}\n{"id":2,"review":{"body":"meh"},"text":"x"}\n';
  const r = await runInProcess(["classify", "-m", BERT, "--input", "jsonl", "--text-key", "review.body", "--skip-invalid"], { input });
  // line 1 has no review.body → skipped and reported
  assert.equal(r.code, 0);
  assert.match(r.stderr, /line 1 has no "review\.body" field/);
  const out = jsonl(r.stdout);
  assert.equal(out.length, 1);
  assert.equal(out[0].id, 2);
  assert.ok(typeof out[0].label === "string");
  const bad = await runInProcess(["classify", "-m", BERT, "--input", "jsonl"], { input: '{"text":"a"}\n{oops\n{"text":"c"}\n' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid JSON on line 2.*--skip-invalid/);
  // the good record before the failure was written
  assert.deepEqual(jsonl(bad.stdout).map((o) => o.text), ["a"]);
});

test("formats: csv with all scores, tsv, json array, table", async () => {
  const texts = ['a "quoted", text', "plain"];
  const csv = await runInProcess(["classify", "-m", BERT, "--format", "csv", "--all-scores", ...texts]);
  assert.equal(csv.code, 0, csv.stderr);
  const rows = parse(csv.stdout, { columns: true });
  assert.deepEqual(Object.keys(rows[0]), ["text", "label", "score", "score_NEGATIVE", "score_POSITIVE"]);
  assert.deepEqual(rows.map((r) => r.text), texts);
  rows.forEach((r) => assert.ok(Math.abs(Number(r.score_NEGATIVE) + Number(r.score_POSITIVE) - 1) < 1e-6));
  const tsv = await runInProcess(["classify", "-m", BERT, "--format", "tsv", "plain"]);
  assert.match(tsv.stdout, /^text\tlabel\tscore\nplain\t(POSITIVE|NEGATIVE)\t0\.\d+\n$/);
  const json = await runInProcess(["classify", "-m", BERT, "--format", "json", "--all-scores", ...texts]);
  const arr = JSON.parse(json.stdout);
  assert.equal(arr.length, 2);
  assert.deepEqual(Object.keys(arr[0].scores), ["NEGATIVE", "POSITIVE"]);
  const table = await runInProcess(["classify", "-m", BERT, "--format", "table", "plain"]);
  assert.match(table.stdout, /^plain +(POSITIVE|NEGATIVE) +0\.\d{4}$/m);
});

test("multi-label: --threshold lists every label at or above it; --top-k the best k", async () => {
  const model = await load(MULTI);
  const [lib] = await model.classify(["you are awful"], { allScores: true });
  const r = await runInProcess(["classify", "-m", MULTI, "--threshold", "0.5", "--format", "json", "you are awful"]);
  const [rec] = JSON.parse(r.stdout);
  const expected = Object.entries(lib.scores).filter(([, s]) => s >= 0.5).map(([l]) => l).sort();
  assert.deepEqual(rec.labels.map((x) => x.label).sort(), expected);
  rec.labels.forEach((x, i) => i > 0 && assert.ok(rec.labels[i - 1].score >= x.score));
  const k = await runInProcess(["classify", "-m", MULTI, "--top-k", "2", "--format", "json", "you are awful"]);
  assert.equal(JSON.parse(k.stdout)[0].labels.length, 2);
});

test("--function none gives raw logits; --max-length truncates", async () => {
  const model = await load(BERT, { variant: "fp32" });
  const [logits] = await model.logitsFor([model.encode("nice")]);
  const r = await runInProcess(["classify", "-m", BERT, "--variant", "fp32", "--function", "none", "--all-scores", "--format", "json", "nice"]);
  const [rec] = JSON.parse(r.stdout);
  assert.ok(Math.abs(rec.scores.NEGATIVE - logits[0]) < 1e-5);
  const t = await runInProcess(["tokenize", "-m", BERT, "--max-length", "5", "--format", "json", "one two three four five six"]);
  const [tok] = JSON.parse(t.stdout);
  assert.equal(tok.ids.length, 5);
  assert.equal(tok.tokens[0], "[CLS]");
  assert.equal(tok.tokens[4], "[SEP]");
  assert.equal(tok.truncated, true);
});

test("usage errors exit 2 with one line and the fix; help has examples", async () => {
  for (const args of [
    ["classify", "-m", BERT, "--bogus", "x"],
    ["classify", "-m", BERT, "--top-k", "0", "x"],
    ["classify", "-m", BERT, "--threshold", "2", "x"],
    ["classify", "-m", BERT, "--format", "xml", "x"],
    ["classify", "-m", "./no/such/folder", "x"],
    ["classify", "-m", BERT, "--variant", "int3", "x"],
  ]) {
    const r = await runInProcess(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^nlp: /);
  }
  const h = await runInProcess(["classify", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:\n {2}\$ nlp classify/);
});

// The tests above run main(argv, io) in process; this one holds bin/nlp.js to the same contract as a real process.
test("the bin: exit 0 with the record on stdout, 1 on a runtime failure, 2 on a usage error, help on stdout", async () => {
  const ok = await runCli(["classify", "-m", BERT, "--variant", "fp32", "good film"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(jsonl(ok.stdout).map((o) => o.text), ["good film"]);
  assert.equal(ok.stderr, "");
  const bad = await runCli(["classify", "-m", BERT, "--input", "jsonl"], { input: "not json\n" });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^nlp: invalid JSON on line 1: .*--skip-invalid/);
  const usage = await runCli(["classify", "-m", BERT, "--bogus", "x"]);
  assert.equal(usage.code, 2);
  assert.equal(usage.stdout, "");
  assert.match(usage.stderr, /^nlp: error: unknown option '--bogus'/);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted\./);
});

test("library errors name options as the library does (`stride`), the CLI the same error as its flags (--stride)", async () => {
  const model = await load(BERT, { variant: "fp32" });
  await assert.rejects(model.classify(["x"], { stride: 3 }), (e) => e instanceof UsageError && e.message === "`stride` only applies with `long` chunk");
  await assert.rejects(model.classify(["x"], { topK: 0 }), /^UsageError: `topK` must be a positive integer, got 0$/);
  await model.dispose();
  const r = await runInProcess(["classify", "-m", BERT, "--stride", "3", "x"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "nlp: --stride only applies with --long chunk\n");
});

test("nlp tokenize: csv and table carry length and truncated, as json does", async () => {
  const t = await runInProcess(["tokenize", "-m", BERT, "--max-length", "5", "--format", "csv", "one two three four five six", "hi"]);
  assert.equal(t.code, 0, t.stderr);
  const rows = parse(t.stdout, { columns: true });
  assert.deepEqual(Object.keys(rows[0]), ["text", "tokens", "ids", "length", "truncated"]);
  assert.equal(rows[0].length, "5");
  assert.equal(rows[0].truncated, "true");
  assert.equal(rows[1].length, "3");
  assert.equal(rows[1].truncated, "false");
  const tbl = await runInProcess(["tokenize", "-m", BERT, "--max-length", "5", "--format", "table", "one two three four five six"]);
  assert.match(tbl.stdout, /length/);
  assert.match(tbl.stdout, /truncated/);
});

test("a 40 KB text as an argument is classified (ONNX Runtime crashed on a 32 KiB command-line argument: exit 139)", async () => {
  const text = "word ".repeat(8000).trim();
  const r = await runCli(["classify", "-q", "--", text]);
  assert.equal(r.code, 0, r.stderr);
  const [rec] = jsonl(r.stdout);
  assert.equal(rec.text, text);
  assert.match(rec.label, /^(POSITIVE|NEGATIVE)$/);
});
