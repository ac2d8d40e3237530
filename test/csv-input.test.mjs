// CSV/TSV/JSONL batch labelling through the CLI: rows echoed unchanged with the prediction appended,
// column selection, bad input with clear errors and no lost rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { fixture, reference, runInProcess, jsonl } from "./helpers.mjs";

const M = fixture("distilbert");
const FP32 = ["-m", M, "--variant", "fp32"];
const TOL = 1e-4;
const REF = reference("distilbert");
const tmp = mkdtempSync(join(tmpdir(), "nlp-csv-"));

/** Reference cases by index: text and transformers' pipeline output (best label first). */
const cases = [0, 1, 11, 16, 20, 24, 30, 31].map((i) => REF.cases[i]);

function csvField(s) {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function assertPrediction(label, score, c, what) {
  assert.equal(label, c.pipeline[0].label, `${what}: label`);
  assert.ok(Math.abs(Number(score) - c.pipeline[0].score) <= TOL, `${what}: score ${score}, want ${c.pipeline[0].score}`);
}

test("CSV in, CSV out: every input column unchanged and in order, then label and score (BOM, CRLF, quotes, newlines, empty cell)", async () => {
  const lines = ["id,review,stars"];
  cases.forEach((c, i) => lines.push([`r${i}`, csvField(c.text), String(i % 5)].join(",")));
  // BOM + CRLF line ends; reference texts include commas, quotes and an empty string
  const input = "\ufeff" + lines.join("\r\n") + "\r\n";
  const file = join(tmp, "reviews.csv");
  writeFileSync(file, input);
  const r = await runInProcess(["classify", ...FP32, "--input", "csv", "--column", "review"], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = parse(r.stdout);
  assert.deepEqual(out[0], ["id", "review", "stars", "label", "score"]);
  assert.equal(out.length, cases.length + 1, "one row per input row, the empty cell included");
  cases.forEach((c, i) => {
    assert.deepEqual(out[i + 1].slice(0, 3), [`r${i}`, c.text, String(i % 5)]);
    assertPrediction(out[i + 1][3], out[i + 1][4], c, `row ${i}`);
  });
  // the same from a .csv file, format from the extension, column by number
  const f = await runInProcess(["classify", ...FP32, "-f", file, "--column", "2", "--format", "csv"]);
  assert.equal(f.code, 0, f.stderr);
  assert.deepEqual(parse(f.stdout), out);
});

test("quoted field with newlines and the delimiter inside stays one row", async () => {
  const input = 'id,text\n1,"first line\nsecond, line"\n2,plain\n';
  const r = await runInProcess(["classify", "-m", M, "--input", "csv"], { input });
  assert.equal(r.code, 0, r.stderr);
  const out = parse(r.stdout);
  assert.deepEqual(out.map((row) => row.slice(0, 2)), [["id", "text"], ["1", "first line\nsecond, line"], ["2", "plain"]]);
});

test("TSV: a 'text' column is found without --column; --all-scores and --prefix name the added columns", async () => {
  const input = "label\ttext\n1\ta solid examination of the male midlife crisis . \n0\t\n";
  const r = await runInProcess(["classify", ...FP32, "--input", "tsv", "--all-scores", "--prefix", "pred_"], { input });
  assert.equal(r.code, 0, r.stderr);
  const out = parse(r.stdout, { delimiter: "\t", relax_quotes: true });
  assert.deepEqual(out[0], ["label", "text", "pred_label", "pred_score", "pred_score_NEGATIVE", "pred_score_POSITIVE"]);
  assert.deepEqual(out[1].slice(0, 2), ["1", "a solid examination of the male midlife crisis . "]);
  assertPrediction(out[1][2], out[1][3], REF.cases[1], "tsv row");
  for (const { label, score } of REF.cases[1].pipeline) {
    assert.ok(Math.abs(Number(out[1][4 + ["NEGATIVE", "POSITIVE"].indexOf(label)]) - score) <= TOL, `score_${label}`);
  }
  assert.deepEqual(out[2].slice(0, 2), ["0", ""], "an empty cell is classified, not dropped");
  assertPrediction(out[2][2], out[2][3], REF.cases[16], "empty text");
});

test("an input column named like an added one: kept, ours under pred_, a notice on stderr (not with --quiet)", async () => {
  const input = "sentence\tlabel\ngood\t1\n";
  const r = await runInProcess(["classify", "-m", M, "--input", "tsv", "--column", "sentence"], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parse(r.stdout, { delimiter: "\t" })[0], ["sentence", "label", "pred_label", "pred_score"]);
  assert.match(r.stderr, /already has "label".*pred_label.*--prefix/);
  const q = await runInProcess(["classify", "-m", M, "--input", "tsv", "--column", "sentence", "--quiet"], { input });
  assert.equal(q.stderr, "");
});

test("--no-header, --delimiter: no header out either, the input's delimiter kept", async () => {
  const input = `7;${REF.cases[0].text};x\n8;;y\n`;
  const r = await runInProcess(["classify", ...FP32, "--input", "csv", "--no-header", "--delimiter", ";", "--column", "2"], { input });
  assert.equal(r.code, 0, r.stderr);
  const out = parse(r.stdout, { delimiter: ";" });
  assert.equal(out.length, 2);
  assert.deepEqual(out[0].slice(0, 3), ["7", REF.cases[0].text, "x"]);
  assertPrediction(out[0][3], out[0][4], REF.cases[0], "no-header row");
  assert.deepEqual(out[1].slice(0, 3), ["8", "", "y"]);
});

test("CSV in, JSONL out: the row as an object plus the prediction fields", async () => {
  const input = "id,text\n1,hello there\n";
  const r = await runInProcess(["classify", "-m", M, "--input", "csv", "--format", "jsonl", "--prefix", "p_"], { input });
  assert.equal(r.code, 0, r.stderr);
  const [o] = jsonl(r.stdout);
  assert.deepEqual(Object.keys(o), ["id", "text", "p_label", "p_score"]);
  assert.equal(o.id, "1");
  assert.equal(o.text, "hello there");
});

test("JSONL in: dotted --text-key; output is the input object plus the prediction", async () => {
  const input = [{ id: 1, review: { body: REF.cases[1].text } }, { id: 2, review: { body: "" } }].map((o) => JSON.stringify(o)).join("\n") + "\n";
  const r = await runInProcess(["classify", ...FP32, "--input", "jsonl", "--text-key", "review.body", "--format", "jsonl"], { input });
  assert.equal(r.code, 0, r.stderr);
  const out = jsonl(r.stdout);
  assert.deepEqual(out[0].review, { body: REF.cases[1].text });
  assert.equal(out[0].id, 1);
  assertPrediction(out[0].label, out[0].score, REF.cases[1], "jsonl");
  assertPrediction(out[1].label, out[1].score, REF.cases[16], "jsonl empty");
});

test("missing column: exit 2 and the message lists the columns there are", async () => {
  const input = "id,review,stars\n1,good,5\n";
  const r = await runInProcess(["classify", "-m", M, "--input", "csv", "--column", "body"], { input });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no column "body".*"id", "review", "stars"/);
  assert.equal(r.stdout, "");
  const none = await runInProcess(["classify", "-m", M, "--input", "csv"], { input });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--column.*"id", "review", "stars"/);
  const range = await runInProcess(["classify", "-m", M, "--input", "csv", "--column", "9"], { input });
  assert.equal(range.code, 2);
  assert.match(range.stderr, /3 column/);
});

test("a row with the wrong number of fields: rows before it are written, then exit 1 naming the row; --skip-invalid goes on", async () => {
  const input = "id,text\n1,one\n2,two\n3,three,extra\n4,four\n";
  const r = await runInProcess(["classify", "-m", M, "--input", "csv"], { input });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /row 3 \(line 4\) has 3 field\(s\) but the header has 2.*--skip-invalid/);
  assert.deepEqual(parse(r.stdout).map((row) => row[1]), ["text", "one", "two"]);
  const s = await runInProcess(["classify", "-m", M, "--input", "csv", "--skip-invalid"], { input });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /skipped: row 3/);
  assert.deepEqual(parse(s.stdout).map((row) => row[1]), ["text", "one", "two", "four"]);
});

test("broken quoting: rows before it are written, then exit 1 with an 'invalid CSV' message", async () => {
  const input = 'id,text\n1,one\n2,"never closed\n3,three\n';
  const r = await runInProcess(["classify", "-m", M, "--input", "csv"], { input });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid CSV: .*line/i);
  assert.deepEqual(parse(r.stdout).map((row) => row[1]), ["text", "one"]);
});

test("invalid JSON on line N: earlier records written, exit 1 naming the line; --skip-invalid reports and goes on", async () => {
  const input = '{"text":"a"}\n{"text":"b"}\n{"text": oops}\n{"text":"d"}\n';
  const r = await runInProcess(["classify", "-m", M, "--input", "jsonl"], { input });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid JSON on line 3/);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.text), ["a", "b"]);
  const s = await runInProcess(["classify", "-m", M, "--input", "jsonl", "--skip-invalid"], { input });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /skipped: invalid JSON on line 3/);
  assert.deepEqual(jsonl(s.stdout).map((o) => o.text), ["a", "b", "d"]);
});

test("binary input (NUL bytes) is refused with a clear message, whatever the format", async () => {
  const bin = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0x0a]);
  for (const fmt of ["lines", "csv", "jsonl"]) {
    const r = await runInProcess(["classify", "-m", M, "--input", fmt], { input: bin });
    assert.equal(r.code, 1, fmt);
    assert.match(r.stderr, /looks binary \(a NUL byte at byte 5\)/, fmt);
    assert.equal(r.stdout.trim(), fmt === "csv" ? "" : "", fmt);
  }
  // UTF-16 text is binary to a UTF-8 reader too
  const r = await runInProcess(["classify", "-m", M], { input: Buffer.from("\ufeffhello\n", "utf16le") });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /iconv -f UTF-16/);
});

test("--delimiter and --shard reject malformed values with exit 2", async () => {
  const d = await runInProcess(["classify", "-m", M, "--input", "csv", "--delimiter", "ab"], { input: "a\n" });
  assert.equal(d.code, 2);
  assert.match(d.stderr, /--delimiter must be one character/);
  for (const bad of ["0/3", "4/3", "x", "1/0"]) {
    const s = await runInProcess(["classify", "-m", M, "--shard", bad], { input: "a\n" });
    assert.equal(s.code, 2, bad);
    assert.match(s.stderr, /--shard must be K\/N/, bad);
  }
});

test("a CSV with a header row and no data rows: CSV/TSV out is that header plus ours, as the plain writer prints its header", async () => {
  const csv = await runInProcess(["classify", ...FP32, "--input", "csv", "--format", "csv"], { input: "id,text,lang\r\n" });
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, "id,text,lang,label,score\n");
  const semi = await runInProcess(["classify", ...FP32, "--input", "csv", "--delimiter", ";", "--format", "csv", "--all-scores"], { input: "text;label\n" });
  assert.equal(semi.code, 0, semi.stderr);
  // the input's delimiter kept; an input column named like ours puts ours under pred_
  assert.equal(semi.stdout, "text;label;pred_label;pred_score;pred_score_NEGATIVE;pred_score_POSITIVE\n");
  const none = await runInProcess(["classify", ...FP32, "--input", "csv", "--format", "csv"], { input: "" });
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, "text,label,score\n");
});
