// nlp eval on the tiny fixture BERT (fp32, so its predictions are the
// transformers pipeline's in reference.json) over a hand-labelled file:
// 10 rows, 1 with a gold label the model lacks ("neutral"). Expected numbers
// are counted by hand from reference.json's pipeline labels:
//   gold POSITIVE (5): predicted POSITIVE 4, NEGATIVE 1 ("THIS IS THE BEST MOVIE EVER!!!")
//   gold NEGATIVE (4): predicted NEGATIVE 3, POSITIVE 1 ("a string of rehashed sight gags …")
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fixture, runInProcess } from "./helpers.mjs";

const DATA = join(ROOT, "test", "fixtures", "eval");
const MODEL = ["-m", fixture("bert"), "--variant", "fp32"];
const close = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} ≠ ${b}`);

function assertHandCounted(r) {
  assert.equal(r.rows, 9);
  assert.equal(r.correct, 7);
  close(r.accuracy, 7 / 9);
  close(r.macro_f1, (0.75 + 0.8) / 2);
  assert.deepEqual(r.confusion.labels, ["NEGATIVE", "POSITIVE"]);
  assert.deepEqual(r.confusion.matrix, [
    [3, 1],
    [1, 4],
  ]);
  const [neg, pos] = r.per_label;
  assert.equal(neg.label, "NEGATIVE");
  close(neg.precision, 3 / 4);
  close(neg.recall, 3 / 4);
  close(pos.precision, 4 / 5);
  close(pos.recall, 4 / 5);
  close(pos.f1, 0.8);
  assert.deepEqual([neg.support, pos.support], [4, 5]);
  assert.equal(r.set_aside, 1);
  assert.deepEqual(r.labels_absent_from_data, []);
  assert.ok(r.rows_per_second > 0);
}

test("CSV: lower-case gold labels match the model's, unknown ones are set aside", async () => {
  const { code, stdout, stderr } = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.csv"), "--label-column", "sentiment", "--format", "json"]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assertHandCounted(r);
  assert.deepEqual(r.unknown_gold_labels, [{ label: "neutral", rows: 1 }]);
});

test("JSONL: nested text field and numeric labels through --label-map", async () => {
  const args = ["eval", ...MODEL, "--file", join(DATA, "reviews.jsonl"), "--text-column", "review.body", "--label-map", "0=NEGATIVE,1=POSITIVE", "--format", "json"];
  const { code, stdout, stderr } = await runInProcess(args);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assertHandCounted(r);
  assert.deepEqual(r.unknown_gold_labels, [{ label: "2", rows: 1 }]);
});

test("TSV table: GLUE's sentence column is found; metrics, matrix and the set-aside note are printed", async () => {
  const { code, stdout, stderr } = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.tsv"), "--label-map", "0=NEGATIVE,1=POSITIVE"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /accuracy\s+0\.7778 \(7\/9\)/);
  assert.match(stdout, /macro-F1\s+0\.7750/);
  assert.match(stdout, /1 set aside/);
  assert.match(stdout, /│ POSITIVE\s+│ 0\.8000\s+│ 0\.8000\s+│ 0\.8000\s+│ 5\s+│ 5\s+│/);
  assert.match(stdout, /│ NEGATIVE\s+│ 3\s+│ 1\s+│/);
  assert.match(stdout, /│ POSITIVE\s+│ 1\s+│ 4\s+│/);
  assert.match(stdout, /gold label "2" is not a model label: 1 row\(s\) set aside/);
  assert.match(stdout, /\d+ rows\/s/);
});

test("a model label absent from the file is reported with how often it was predicted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-eval-"));
  const file = join(dir, "pos.csv");
  // all gold POSITIVE; the fixture predicts NEGATIVE for the last one
  writeFileSync(file, "text,label\nAmazing how these work.....,POSITIVE\nTHIS IS THE BEST MOVIE EVER!!!,POSITIVE\n");
  const { code, stdout, stderr } = await runInProcess(["eval", ...MODEL, "--file", file, "--format", "json"]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  close(r.accuracy, 1 / 2);
  assert.deepEqual(r.labels_absent_from_data, [{ label: "NEGATIVE", predicted: 1 }]);
  close(r.macro_f1, 2 / 3); // only POSITIVE is in the data: P 1, R 1/2
  const table = await runInProcess(["eval", ...MODEL, "--file", file]);
  assert.match(table.stdout, /model label NEGATIVE never occurs in the file \(predicted 1 time/);
});

test("numeric gold labels without a map: exit 2 with the --label-map to use", async () => {
  const { code, stdout, stderr } = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.tsv")]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.match(stderr, /--label-map 0=NEGATIVE,1=POSITIVE/);
});

test("usage errors: missing label column, bad --label-map, bad --format", async () => {
  let r = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.csv")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--label-column/);
  r = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.tsv"), "--label-map", "0:NEGATIVE"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /value=LABEL/);
  r = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.tsv"), "--format", "csv"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /table or json/);
});

test("a --label-map target that is not a model label is a usage error, not rows silently set aside", async () => {
  const r = await runInProcess(["eval", ...MODEL, "--file", join(DATA, "reviews.tsv"), "--label-map", "0=NEG,1=POSITIVE", "--format", "json"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /--label-map maps "0" to "NEG", which is not a label of the model \(NEGATIVE, POSITIVE\)/);
});

test("rows with an empty gold label are set aside with a note that says so; a column empty everywhere exits 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-eval-"));
  const file = join(dir, "gaps.csv");
  writeFileSync(file, "text,label\nAmazing how these work.....,POSITIVE\nTHIS IS THE BEST MOVIE EVER!!!,\n");
  const r = await runInProcess(["eval", ...MODEL, "--file", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /note: 1 row\(s\) have an empty gold label: set aside, not scored/);
  assert.doesNotMatch(r.stdout, /--label-map =LABEL/);
  const empty = join(dir, "empty.csv");
  writeFileSync(empty, "text,label\nAmazing how these work.....,\nTHIS IS THE BEST MOVIE EVER!!!, \n");
  const e = await runInProcess(["eval", ...MODEL, "--file", empty]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /column "label" is empty in every row/);
});

test("--label-column by number: the text is the only other column, with --no-header or a header of other names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-eval-"));
  const bare = join(dir, "bare.csv");
  writeFileSync(bare, "Amazing how these work.....,POSITIVE\nTHIS IS THE BEST MOVIE EVER!!!,POSITIVE\n");
  const r = await runInProcess(["eval", ...MODEL, "--file", bare, "--no-header", "--label-column", "2", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).correct, 1); // the fixture predicts NEGATIVE for the second (see above)
  const named = join(dir, "named.csv");
  writeFileSync(named, "review,stars\nAmazing how these work.....,POSITIVE\nTHIS IS THE BEST MOVIE EVER!!!,POSITIVE\n");
  const h = await runInProcess(["eval", ...MODEL, "--file", named, "--label-column", "2", "--format", "json"]);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(JSON.parse(h.stdout).rows, 2);
});
