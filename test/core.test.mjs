// Pure core: batching, padding, post-processing, line splitting, writers, exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable, Readable } from "node:stream";
import {
  planBatches, padBatch, applyFunction, defaultFunction, labelNames, rank, predictionFrom,
  exitCodeFor, UsageError, BundleError, InputError,
} from "../dist/index.js";
import { readLines } from "../dist/io/lines.js";
import { createWriter, parseOutputFormat } from "../dist/io/output.js";

test("planBatches: every index once, longest first, bounded batch size", () => {
  const lengths = [5, 9, 1, 9, 3, 7, 2];
  const batches = planBatches(lengths, 3);
  assert.deepEqual(batches, [[1, 3, 5], [0, 4, 6], [2]]);
  assert.deepEqual(batches.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
});

test("planBatches: token budget splits long rows into smaller batches", () => {
  const lengths = [512, 500, 10, 10, 10, 10];
  // budget 1024: 512+500 padded to 512 → 1024 fits; a third row would pad to 3×512
  assert.deepEqual(planBatches(lengths, 32, 1024), [[0, 1], [2, 3, 4, 5]]);
  // a row longer than the budget still runs, alone
  assert.deepEqual(planBatches([2000, 5], 32, 1024), [[0], [1]]);
  assert.throws(() => planBatches([1], 0), RangeError);
});

test("padBatch: right and left padding with masks and type ids", () => {
  const rows = [{ ids: [101, 7, 102], typeIds: [0, 0, 0] }, { ids: [101, 102], typeIds: [0, 1] }];
  const right = padBatch(rows, 0, "right");
  assert.equal(right.seqLen, 3);
  assert.deepEqual(Array.from(right.inputIds, Number), [101, 7, 102, 101, 102, 0]);
  assert.deepEqual(Array.from(right.attentionMask, Number), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(right.tokenTypeIds, Number), [0, 0, 0, 0, 1, 0]);
  const left = padBatch(rows, 5, "left");
  assert.deepEqual(Array.from(left.inputIds, Number), [101, 7, 102, 5, 101, 102]);
  assert.deepEqual(Array.from(left.attentionMask, Number), [1, 1, 1, 0, 1, 1]);
});

test("score functions follow transformers' rules", () => {
  assert.equal(defaultFunction({}, 2), "softmax");
  assert.equal(defaultFunction({}, 1), "sigmoid");
  assert.equal(defaultFunction({ problem_type: "multi_label_classification" }, 6), "sigmoid");
  assert.equal(defaultFunction({ problem_type: "single_label_classification" }, 1), "sigmoid");
  const sm = applyFunction([1, 2, 3], "softmax");
  // softmax(1,2,3) = e^k / (e + e^2 + e^3)
  const z = Math.E + Math.E ** 2 + Math.E ** 3;
  [Math.E / z, Math.E ** 2 / z, Math.E ** 3 / z].forEach((v, i) => assert.ok(Math.abs(sm[i] - v) < 1e-12));
  assert.ok(Math.abs(applyFunction([0], "sigmoid")[0] - 0.5) < 1e-12);
  assert.ok(Math.abs(applyFunction([2], "sigmoid")[0] - 1 / (1 + Math.exp(-2))) < 1e-12);
  assert.deepEqual(applyFunction([1.5, -2], "none"), [1.5, -2]);
  // large logits must not overflow
  assert.ok(applyFunction([1000, 0], "softmax").every(Number.isFinite));
});

test("labels: id2label with LABEL_i fallback; ranking; top-k and threshold", () => {
  assert.deepEqual(labelNames({ id2label: { 0: "neg", 2: "pos" } }, 3), ["neg", "LABEL_1", "pos"]);
  assert.deepEqual(rank([0.2, 0.5, 0.3], ["a", "b", "c"]).map((r) => r.label), ["b", "c", "a"]);
  assert.deepEqual(rank([0.5, 0.5], ["a", "b"]).map((r) => r.label), ["a", "b"], "ties keep index order");
  const p = predictionFrom([0.1, 0.7, 0.4], ["x", "y", "z"], { allScores: true, threshold: 0.3 });
  assert.equal(p.label, "y");
  assert.equal(p.score, 0.7);
  assert.deepEqual(p.scores, { x: 0.1, y: 0.7, z: 0.4 });
  assert.deepEqual(p.labels, [{ label: "y", score: 0.7 }, { label: "z", score: 0.4 }]);
  assert.deepEqual(predictionFrom([0.1, 0.7, 0.4], ["x", "y", "z"], { topK: 1 }).labels, [{ label: "y", score: 0.7 }]);
  assert.equal(predictionFrom([0.1, 0.7], ["x", "y"]).labels, undefined);
});

async function lines(chunks) {
  const out = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(l);
  return out;
}

test("readLines: CRLF, blank lines, no trailing newline, BOM, split multibyte, invalid UTF-8", async () => {
  assert.deepEqual(await lines(["a\r\nb\n\nc"]), ["a", "b", "", "c"]);
  assert.deepEqual(await lines(["a\n"]), ["a"]);
  assert.deepEqual(await lines(["\ufeffhi\n"]), ["hi"]);
  const e = Buffer.from("é\n");
  const out = [];
  for await (const l of readLines(Readable.from([e.subarray(0, 1), e.subarray(1)]))) out.push(l);
  assert.deepEqual(out, ["é"]);
  const bad = [];
  for await (const l of readLines(Readable.from([Buffer.from([0x61, 0xff, 0x62, 0x0a])]))) bad.push(l);
  assert.deepEqual(bad, ["a\ufffdb"]);
});

function sink() {
  const chunks = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(c.toString()); cb(); } });
  return { w, text: () => chunks.join("") };
}

test("CSV/TSV writers quote commas, quotes and newlines", async () => {
  const s = sink();
  const w = createWriter("csv", s.w, { columns: ["text", "label", "score"] });
  await w.write({ text: 'he said "hi", then\nleft', label: "POSITIVE", score: 0.5 });
  await w.end();
  assert.equal(s.text(), 'text,label,score\n"he said ""hi"", then\nleft",POSITIVE,0.5\n');
  const t = sink();
  const tw = createWriter("tsv", t.w, { columns: ["text", "label"] });
  await tw.write({ text: "a\tb", label: "x" });
  await tw.end();
  assert.equal(t.text(), 'text\tlabel\n"a\tb"\tx\n');
});

test("JSON writer emits a valid array, also when empty", async () => {
  const s = sink();
  const w = createWriter("json", s.w, { columns: [] });
  await w.write({ a: 1 });
  await w.write({ a: 2 });
  await w.end();
  assert.deepEqual(JSON.parse(s.text()), [{ a: 1 }, { a: 2 }]);
  const e = sink();
  const we = createWriter("json", e.w, { columns: [] });
  await we.end();
  assert.deepEqual(JSON.parse(e.text()), []);
});

test("output format: table on a TTY, jsonl otherwise; unknown is a usage error", () => {
  assert.equal(parseOutputFormat(undefined, true), "table");
  assert.equal(parseOutputFormat(undefined, false), "jsonl");
  assert.equal(parseOutputFormat("CSV", false), "csv");
  assert.throws(() => parseOutputFormat("xml", false), (e) => e instanceof UsageError && exitCodeFor(e) === 2);
});

test("exit codes are mapped in one place", () => {
  assert.equal(exitCodeFor(new UsageError("x")), 2);
  assert.equal(exitCodeFor(new BundleError("x")), 1);
  assert.equal(exitCodeFor(new InputError("x")), 1);
  assert.equal(exitCodeFor(new Error("x")), 1);
  assert.equal(exitCodeFor({ code: "commander.unknownOption" }), 2);
});
