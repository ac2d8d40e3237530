// `nlp embed` through the real CLI: sentence-transformers' numbers on every hf-embed case, the output
// formats (JSONL/JSON pass-through, CSV/TSV columns, .npy matrix, terminal view) and the usage errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess, jsonl, ROOT } from "./helpers.mjs";

const DIR = join(ROOT, "test", "fixtures", "hf-embed");
const TOL = 1e-5;
const ref = (name) => JSON.parse(readFileSync(join(DIR, name, "embed_reference.json"), "utf8"));
const maxDiff = (a, b) => {
  assert.equal(a.length, b.length, "dims");
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
};

/** Parses a .npy file: checks the v1.0 header and returns {shape, rows}. */
function readNpy(path) {
  const buf = readFileSync(path);
  assert.equal(buf.subarray(0, 6).toString("latin1"), "\x93NUMPY", "magic");
  assert.equal(buf[6], 1, "major version");
  const headerLen = buf.readUInt16LE(8);
  assert.equal((10 + headerLen) % 64, 0, "data aligned to 64 bytes");
  const header = buf.subarray(10, 10 + headerLen).toString("latin1");
  assert.ok(header.endsWith("\n"), "header ends with a newline");
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'fortran_order': False/);
  const [, r, c] = header.match(/'shape': \((\d+), (\d+)\)/);
  const shape = [Number(r), Number(c)];
  const data = buf.subarray(10 + headerLen);
  assert.equal(data.length, shape[0] * shape[1] * 4, "data size matches the shape");
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return { shape, rows: Array.from({ length: shape[0] }, (_, i) => Array.from(floats.subarray(i * shape[1], (i + 1) * shape[1]))) };
}

for (const name of ["bert", "xlm_roberta"]) {
  test(`embed parity (CLI): ${name}, every case through --input jsonl, with and without --prompt-name query, batch 1 and padded`, async () => {
    const r = ref(name);
    let worst = 0;
    for (const promptName of [null, "query"]) {
      const cases = r.cases.filter((c) => c.prompt_name === promptName);
      const input = cases.map((c, i) => JSON.stringify({ id: i, text: c.text })).join("\n") + "\n";
      for (const batch of ["1", "64"]) {
        const args = ["embed", "-m", join(DIR, name), "--input", "jsonl", "--text-key", "text", "--format", "jsonl", "--batch-size", batch];
        if (promptName) args.push("--prompt-name", promptName);
        const res = await runInProcess(args, { input });
        assert.equal(res.code, 0, res.stderr);
        const out = jsonl(res.stdout);
        assert.equal(out.length, cases.length, "one line per input");
        out.forEach((o, i) => {
          assert.equal(o.id, i, "input order, input fields kept");
          assert.equal(o.text, cases[i].text);
          const d = maxDiff(o.embedding, cases[i].embedding);
          worst = Math.max(worst, d);
          assert.ok(d <= TOL, `${promptName} case ${i} batch ${batch}: max |Δ| ${d}`);
        });
      }
    }
    process.stdout.write(`# CLI ${name}: ${r.cases.length} cases, max |Δ| ${worst.toExponential(2)}\n`);
  });
}

test("embed: TEXT arguments give {text, embedding} in order; --no-normalize, --normalize and --dimensions", async () => {
  const cases = ref("bert").cases.filter((c) => c.prompt_name === null).slice(0, 3);
  const texts = cases.map((c) => c.text);
  const base = ["embed", "-m", join(DIR, "bert"), "--format", "jsonl"];
  const plain = await runInProcess([...base, ...texts]);
  assert.equal(plain.code, 0, plain.stderr);
  const out = jsonl(plain.stdout);
  assert.deepEqual(out.map((o) => Object.keys(o)), texts.map(() => ["text", "embedding"]));
  out.forEach((o, i) => assert.ok(maxDiff(o.embedding, cases[i].embedding) <= TOL));
  const raw = jsonl((await runInProcess([...base, "--no-normalize", ...texts])).stdout);
  raw.forEach((o) => assert.ok(Math.abs(Math.hypot(...o.embedding) - 1) > 1e-3, "--no-normalize skips the Normalize module"));
  const cut = jsonl((await runInProcess([...base, "--dimensions", "8", ...texts])).stdout);
  cut.forEach((o, i) => {
    assert.equal(o.embedding.length, 8);
    const n = Math.hypot(...cases[i].embedding.slice(0, 8));
    assert.ok(maxDiff(o.embedding, cases[i].embedding.slice(0, 8).map((x) => x / n)) <= TOL, "truncated, then normalized");
  });
  const xl = ref("xlm_roberta").cases[0];
  const forced = jsonl((await runInProcess(["embed", "-m", join(DIR, "xlm_roberta"), "--normalize", "--format", "jsonl", xl.text])).stdout)[0];
  assert.ok(Math.abs(Math.hypot(...forced.embedding) - 1) < 1e-6, "--normalize on a model without Normalize");
});

test("embed: CSV/TSV keep every input column and add embedding; JSON is one array", async () => {
  const [a, b] = ref("bert").cases.filter((c) => c.prompt_name === null);
  const csv = `id,review,stars\n1,"${a.text.replace(/"/g, '""')}",5\n2,"${b.text.replace(/"/g, '""')}",1\n`;
  const res = await runInProcess(["embed", "-m", join(DIR, "bert"), "--input", "csv", "--column", "review"], { input: csv });
  assert.equal(res.code, 0, res.stderr);
  const { parse } = await import("csv-parse/sync");
  const rows = parse(res.stdout);
  assert.deepEqual(rows[0], ["id", "review", "stars", "embedding"]);
  assert.deepEqual(rows.slice(1).map((r) => r.slice(0, 3)), [["1", a.text, "5"], ["2", b.text, "1"]]);
  assert.ok(maxDiff(JSON.parse(rows[1][3]), a.embedding) <= TOL);
  assert.ok(maxDiff(JSON.parse(rows[2][3]), b.embedding) <= TOL);
  const tsv = await runInProcess(["embed", "-m", join(DIR, "bert"), "--format", "tsv", "one", "two"]);
  const lines = tsv.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "text\tembedding");
  assert.equal(lines.length, 3);
  assert.equal(JSON.parse(lines[1].split("\t")[1]).length, 32);
  const json = await runInProcess(["embed", "-m", join(DIR, "bert"), "--format", "json", "one", "two"]);
  assert.deepEqual(JSON.parse(json.stdout).map((o) => o.text), ["one", "two"]);
});

test("embed --format npy -o FILE: a float32 [n, dim] matrix with a valid header, rows in input order", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "nlp-npy-"));
  try {
    const cases = ref("xlm_roberta").cases.filter((c) => c.prompt_name === "query").slice(0, 5);
    const file = join(tmp, "vectors.npy");
    const res = await runInProcess(["embed", "-m", join(DIR, "xlm_roberta"), "--prompt-name", "query", "-o", file, "--input", "jsonl"], {
      input: cases.map((c) => JSON.stringify({ text: c.text })).join("\n") + "\n",
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /float32 \[5, 32\]/);
    const { shape, rows } = readNpy(file);
    assert.deepEqual(shape, [5, 32]);
    rows.forEach((row, i) => assert.ok(maxDiff(row, cases[i].embedding) <= TOL, `row ${i}`));
    // an empty input is a valid empty matrix
    const empty = join(tmp, "empty.npy");
    assert.equal((await runInProcess(["embed", "-m", join(DIR, "bert"), "--format", "npy", "-o", empty, "-f", "-"], { input: "" })).code, 0);
    assert.deepEqual(readNpy(empty).shape, [0, 0]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("embed: the terminal view shows dims, norm and the first values", async () => {
  const res = await runInProcess(["embed", "-m", join(DIR, "bert"), "--format", "table", "A heartwarming movie"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /text\s+dims\s+norm\s+values/);
  assert.match(res.stdout, /A heartwarming movie\s+32\s+1\.0000\s+-?\d\.\d{4} -?\d\.\d{4} -?\d\.\d{4} -?\d\.\d{4} …/);
});

test("embed: usage errors exit 2 with the fix", async () => {
  const m = ["embed", "-m", join(DIR, "bert")];
  const cases = [
    [[...m, "--format", "npy", "x"], /pass -o FILE\.npy/],
    [[...m, "--prompt-name", "nope", "x"], /no prompt "nope"; use one of query, passage/],
    [[...m, "--prompt-name", "query", "--prompt", "q: ", "x"], /--prompt or --prompt-name, not both/],
    [[...m, "--dimensions", "64", "x"], /more than the model's 32 dimensions/],
    [[...m, "-o", "/nonexistent-dir/x.jsonl", "x"], /cannot write -o/],
  ];
  for (const [args, pattern] of cases) {
    const res = await runInProcess(args);
    assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
    assert.match(res.stderr, pattern);
    assert.equal(res.stderr.trim().split("\n").length, 1, "one line");
  }
});

test("info shows a sentence-transformers folder's pooling, normalization, max_seq_length, prompts and similarity", async () => {
  const res = await runInProcess(["info", join(DIR, "bert"), "--format", "json"]);
  assert.equal(res.code, 0, res.stderr);
  const info = JSON.parse(res.stdout);
  assert.deepEqual(
    [info.embedding_pooling, info.embedding_normalize, info.embedding_max_seq_length, info.embedding_prompts, info.embedding_similarity],
    ["mean", true, 64, { query: "query: ", passage: "passage: " }, "cosine"],
  );
  const x = JSON.parse((await runInProcess(["info", join(DIR, "xlm_roberta"), "--format", "json"])).stdout);
  assert.deepEqual([x.embedding_pooling, x.embedding_normalize, x.embedding_max_seq_length], ["cls", false, 128]);
});

test("embed: an input field named embedding is kept; ours becomes pred_embedding (the one rule for added names)", async () => {
  const input = '{"text":"a","embedding":"old"}\n{"text":"b","embedding":"old"}\n';
  const res = await runInProcess(["embed", "-m", join(DIR, "bert"), "--input", "jsonl", "--format", "jsonl"], { input });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /already has "embedding": kept as is; the added fields are pred_embedding/);
  for (const o of jsonl(res.stdout)) {
    assert.equal(o.embedding, "old");
    assert.equal(o.pred_embedding.length, 32);
  }
  // --prefix names the field outright
  const named = jsonl((await runInProcess(["embed", "-m", join(DIR, "bert"), "--format", "jsonl", "--prefix", "vec_", "a"])).stdout)[0];
  assert.deepEqual(Object.keys(named), ["text", "vec_embedding"]);
});

test("embed on a classifier, classify on an embedding model: exit 1 naming the command to use", async () => {
  const { fixture } = await import("./helpers.mjs");
  const a = await runInProcess(["embed", "-m", fixture("bert"), "x"]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /is a classifier \(outputs: logits\), not an embedding model; use nlp classify, or nlp rerank/);
  const b = await runInProcess(["classify", "-m", join(DIR, "bert"), "x"]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /is a feature extractor .*use nlp embed/);
});
