// Bundle checks: layouts, variants, and a one-line actionable error for each broken file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, locateBundle, BundleError, UsageError, exitCodeFor } from "../dist/index.js";
import { fixture, ROOT, runInProcess } from "./helpers.mjs";

function copyBert() {
  const dir = mkdtempSync(join(tmpdir(), "nlp-bundle-"));
  cpSync(fixture("bert"), dir, { recursive: true });
  rmSync(join(dir, "reference.json"));
  return dir;
}

async function expectError(dir, type, pattern, opts) {
  await assert.rejects(load(dir, opts), (err) => {
    assert.ok(err instanceof type, `${err?.name}: ${err?.message}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes("\n"), "one line");
    return true;
  });
}

test("variants: int8 is the default when present, fp32 otherwise; --variant chooses", () => {
  const b = locateBundle(fixture("bert"));
  assert.equal(b.variant, "int8");
  assert.match(b.onnx, /model_quantized\.onnx$/);
  assert.equal(locateBundle(fixture("bert"), "fp32").variant, "fp32");
  assert.equal(locateBundle(fixture("bert"), "quantized").variant, "int8");
  assert.equal(locateBundle(fixture("albert")).variant, "fp32");
  assert.throws(() => locateBundle(fixture("albert"), "int8"), (e) => e instanceof UsageError && /available: fp32/.test(e.message));
  assert.throws(() => locateBundle(fixture("bert"), "int3"), UsageError);
});

test("other layouts: model.onnx at the root, everything inside onnx/", async () => {
  const root = copyBert();
  renameSync(join(root, "onnx", "model.onnx"), join(root, "model.onnx"));
  rmSync(join(root, "onnx"), { recursive: true });
  const m1 = await load(root);
  assert.equal(m1.info.variant, "fp32");
  assert.equal((await m1.classify("fine"))[0].label.length > 0, true);
  const inside = copyBert();
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) renameSync(join(inside, f), join(inside, "onnx", f));
  const m2 = await load(inside, { variant: "fp32" });
  assert.deepEqual(m2.labels, ["NEGATIVE", "POSITIVE"]);
});

test("missing tokenizer.json names the file and the fix", async () => {
  const dir = copyBert();
  rmSync(join(dir, "tokenizer.json"));
  await expectError(dir, BundleError, /tokenizer\.json is missing; export a fast tokenizer/);
});

test("malformed config.json names the file", async () => {
  const dir = copyBert();
  writeFileSync(join(dir, "config.json"), "{ not json");
  await expectError(dir, BundleError, /config\.json is not valid JSON/);
});

test("no ONNX file at all", async () => {
  const dir = copyBert();
  rmSync(join(dir, "onnx"), { recursive: true });
  await expectError(dir, BundleError, /no ONNX model in .*optimum-cli export onnx/);
});

test("labels that do not match the logits width", async () => {
  const dir = copyBert();
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  cfg.id2label = { 0: "a", 1: "b", 2: "c" };
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  await expectError(dir, BundleError, /lists 3 labels but .* outputs 2 logits/);
});

test("a graph without logits, and one without input_ids", async () => {
  const a = copyBert();
  rmSync(join(a, "onnx"), { recursive: true });
  mkdirSync(join(a, "onnx"));
  cpSync(join(ROOT, "test/fixtures/broken/no-logits.onnx"), join(a, "onnx", "model.onnx"));
  await expectError(a, BundleError, /is a feature extractor \(outputs: last_hidden_state\), not a classifier; use nlp embed/);
  const b = copyBert();
  cpSync(join(ROOT, "test/fixtures/broken/no-input-ids.onnx"), join(b, "onnx", "model.onnx"));
  await expectError(b, BundleError, /has no input_ids input/, { variant: "fp32" });
});

test("a truncated ONNX file is a load error with the fix", async () => {
  const dir = copyBert();
  const p = join(dir, "onnx", "model.onnx");
  writeFileSync(p, readFileSync(p).subarray(0, 1000));
  await expectError(dir, BundleError, /ONNX Runtime cannot load .*re-download/, { variant: "fp32" });
});

test("CLI: a broken bundle exits 1 with one line on stderr and nothing on stdout", async () => {
  const dir = copyBert();
  rmSync(join(dir, "tokenizer.json"));
  const r = await runInProcess(["classify", "-m", dir, "hello"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /^nlp: .*tokenizer\.json is missing/);
  assert.equal(exitCodeFor(new BundleError("x")), 1);
});

test("a token-classification model given to classify is refused with the command that runs it", async () => {
  const dir = copyBert();
  const cfgPath = join(dir, "config.json");
  const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, architectures: ["BertForTokenClassification"] }));
  const r = await runInProcess(["classify", "-m", dir, "--variant", "fp32", "great"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^nlp: .*token-classification model.*nlp ner/);
});

test("a token-classification graph whose config names no architecture is refused by classify too (by the logits' rank)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-token-"));
  cpSync(join(ROOT, "test", "fixtures", "hf-token", "bert"), dir, { recursive: true });
  const cfgPath = join(dir, "config.json");
  const { architectures, ...cfg } = JSON.parse(readFileSync(cfgPath, "utf8"));
  assert.ok(architectures, "the fixture names its architecture");
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const r = await runInProcess(["classify", "-m", dir, "Ada Lovelace was born in London"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^nlp: .*logits have shape \[1, \d+, 9\].*token-classification model.*nlp ner/);
});
