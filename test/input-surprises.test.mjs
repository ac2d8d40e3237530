// Issue 10, input side: no silent surprises when reading CSV/TSV/JSONL. Each test failed before its fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { ROOT, fixture, runInProcess, jsonl } from "./helpers.mjs";

const M = ["-m", fixture("distilbert")];
const NLI = ["-m", fixture("bert_nli"), "--variant", "fp32"];
const IN = join(ROOT, "test", "fixtures", "input");
const tmp = mkdtempSync(join(tmpdir(), "nlp-in-"));

// item 1
test("CSV flags on plain-line input: a usage error saying --input csv, or CSV when --delimiter makes it plain", async () => {
  const csv = "id,review\n1,great\n";
  for (const flags of [["--column", "review"], ["--no-header", "--column", "2"]]) {
    const r = await runInProcess(["classify", ...M, ...flags], { input: csv });
    assert.equal(r.code, 2, `${flags}: ${r.stderr}`);
    assert.match(r.stderr, /--input csv/);
    assert.equal(r.stdout, "");
  }
  // a .txt file is no CSV either; neither are texts given as arguments
  const txt = join(tmp, "reviews.txt");
  writeFileSync(txt, csv);
  assert.equal((await runInProcess(["classify", ...M, "-f", txt, "--column", "2"])).code, 2);
  assert.equal((await runInProcess(["classify", ...M, "--column", "2", "great"])).code, 2);
  // --input lines (or jsonl) with a CSV flag contradicts itself
  const jl = await runInProcess(["classify", ...M, "--input", "jsonl", "--column", "text"], { input: '{"text":"a"}\n' });
  assert.equal(jl.code, 2);
  assert.match(jl.stderr, /--text-key/);
  // --delimiter names the format: tab → TSV, anything else → CSV
  const d = await runInProcess(["classify", ...M, "--delimiter", ";", "--column", "review", "--format", "jsonl"], { input: "id;review\n1;great\n" });
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(jsonl(d.stdout).map((o) => [o.id, o.review]), [["1", "great"]]);
  const t = await runInProcess(["classify", ...M, "--delimiter", "tab", "--format", "jsonl"], { input: "id\ttext\n1\tgreat\n" });
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(jsonl(t.stdout).map((o) => o.text), ["great"]);
});

// item 2
test("an input field named like an added one is never overwritten: ours go under pred_, one notice, every format", async () => {
  const j = await runInProcess(["classify", ...M, "--input", "jsonl", "--format", "jsonl"], { input: '{"text":"great film","label":"neg","id":7}\n{"text":"bad","label":"pos","id":8}\n' });
  assert.equal(j.code, 0, j.stderr);
  const out = jsonl(j.stdout);
  assert.deepEqual(out.map((o) => o.label), ["neg", "pos"], "the gold label is kept");
  assert.deepEqual(Object.keys(out[0]), ["text", "label", "id", "pred_label", "pred_score"]);
  assert.equal((j.stderr.match(/pred_label/g) ?? []).length, 1, `one notice: ${j.stderr}`);
  assert.doesNotMatch(j.stderr, /come after every input column/);
  // CSV in, JSON out
  const c = await runInProcess(["classify", ...M, "--input", "tsv", "--column", "sentence", "--format", "json"], { input: "sentence\tlabel\ngood\t1\n" });
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(JSON.parse(c.stdout).map((o) => [o.label, typeof o.pred_label]), [["1", "string"]]);
  // CSV in, CSV out: distinct column names
  const t = await runInProcess(["classify", ...M, "--input", "tsv", "--column", "sentence", "--format", "tsv"], { input: "sentence\tlabel\ngood\t1\n" });
  assert.deepEqual(parse(t.stdout, { delimiter: "\t" })[0], ["sentence", "label", "pred_label", "pred_score"]);
  // --prefix that avoids the clash: no notice
  const p = await runInProcess(["classify", ...M, "--input", "jsonl", "--prefix", "nlp_"], { input: '{"text":"a","label":"x"}\n' });
  assert.deepEqual(Object.keys(jsonl(p.stdout)[0]), ["text", "label", "nlp_label", "nlp_score"]);
  assert.equal(p.stderr, "");
  // a later JSONL record that would be overwritten stops the run (exit 1) rather than lose its field
  const late = await runInProcess(["classify", ...M, "--input", "jsonl"], { input: '{"text":"a"}\n{"text":"b","score":3}\n' });
  assert.equal(late.code, 1);
  assert.match(late.stderr, /line 2.*"score".*--prefix/);
  assert.equal(jsonl(late.stdout).length, 1);
});

// item 4
test("a header that looks like data: a stderr hint to use --no-header; long cells are never listed whole as column names", async () => {
  const f = join(IN, "amazon-en-head.csv");
  const r = await runInProcess(["classify", ...M, "-f", f, "--column", "2", "--format", "jsonl"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /looks like data.*--no-header/);
  const none = await runInProcess(["classify", ...M, "-f", f]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--no-header/);
  assert.ok(none.stderr.length < 400, `short message: ${none.stderr}`);
  assert.doesNotMatch(none.stderr, /Customer service/);
  // a number is a position even where a header cell reads the same: ag_news's first row is "3","title","description"
  const ag = await runInProcess(["classify", ...M, "--input", "csv", "--column", "3", "--format", "jsonl"], {
    input: '"3","Fears for T N pension after talks","Unions representing workers say they are disappointed"\n"4","A title","The body"\n',
  });
  assert.equal(ag.code, 0, ag.stderr);
  assert.equal(jsonl(ag.stdout)[0].text, undefined);
  assert.deepEqual(Object.values(jsonl(ag.stdout)[0]).slice(0, 3), ["4", "A title", "The body"]);
  assert.match(ag.stderr, /looks like data.*--no-header/);
  // a real header: no hint
  const ok = await runInProcess(["classify", ...M, "-f", join(IN, "sst2-dev-head.tsv"), "--format", "jsonl"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /looks like data/);
});

// item 5
test("TSV is read without quoting (a tweet starting with a quote stays one row); --quote opts in; CSV warns on a runaway quote", async () => {
  const f = join(IN, "tweets.tsv");
  const r = await runInProcess(["classify", ...M, "-f", f, "--format", "jsonl"]);
  assert.equal(r.code, 0, r.stderr);
  const out = jsonl(r.stdout);
  assert.equal(out.length, 12, "one record per data line");
  assert.equal(out[8].text, '"IN the past year alone, over 100 women from Limerick have travelled to the UK to get access to abortion services... ');
  assert.deepEqual(out.slice(8).map((o) => o.label), ["1", "2", "0", "2"]);
  // quoted TSV on request
  const q = await runInProcess(["classify", ...M, "--input", "tsv", "--quote", '"', "--format", "jsonl"], { input: 'text\tn\n"two\nlines"\t1\n' });
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(jsonl(q.stdout).map((o) => o.text), ["two\nlines"]);
  // TSV out echoes an unquoted TSV row unchanged
  const t = await runInProcess(["classify", ...M, "-f", f, "--format", "tsv"]);
  assert.equal(t.stdout.split("\n")[9].split("\t")[0], out[8].text);
  // CSV: a stray quote swallowing many lines is reported
  const lines = ["id,text", '1,"stray start'];
  for (let i = 2; i < 40; i++) lines.push(`${i},row ${i}`);
  lines.push('40,end"', "41,last");
  const c = await runInProcess(["classify", ...M, "--input", "csv", "--format", "jsonl"], { input: lines.join("\n") + "\n" });
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /row 1 .*spans 40 lines.*quote/);
});

// item 9
test("eval's messages name eval's flags", async () => {
  const f = join(tmp, "three.csv");
  writeFileSync(f, "id,review,body,label\n1,a,b,POSITIVE\n");
  const r = await runInProcess(["eval", ...M, "-f", f]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--text-column/);
  assert.doesNotMatch(r.stderr, /--column /);
  const j = join(tmp, "e.jsonl");
  writeFileSync(j, '{"body":"a","label":"POSITIVE"}\n');
  const k = await runInProcess(["eval", ...M, "-f", j]);
  assert.equal(k.code, 1);
  assert.match(k.stderr, /--text-column/);
  assert.doesNotMatch(k.stderr, /--text-key/);
});

test("cache path and load({offline}) never blame a flag that was not given", async () => {
  const env = { HF_HUB_CACHE: join(tmp, "empty-cache"), HF_HUB_OFFLINE: "" };
  const r = await runInProcess(["cache", "path", "Xenova/not-cached-model"], { env });
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /--offline/);
  const { load } = await import("../dist/index.js");
  const old = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = env.HF_HUB_CACHE;
  try {
    await assert.rejects(load("Xenova/not-cached-model", { offline: true }), (err) => {
      assert.doesNotMatch(err.message, /--offline/);
      assert.match(err.message, /offline: true/);
      return true;
    });
  } finally {
    if (old === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = old;
  }
});

// item 10
test("classify picks the text column as eval does (sentence, else the only column besides label)", async () => {
  const r = await runInProcess(["classify", ...M, "-f", join(IN, "sst2-dev-head.tsv"), "--format", "jsonl"]);
  assert.equal(r.code, 0, r.stderr);
  const out = jsonl(r.stdout);
  assert.equal(out.length, 5);
  assert.equal(out[0].sentence, "it 's a charming and often affecting journey . ");
  const b = await runInProcess(["classify", ...M, "--input", "csv", "--format", "jsonl"], { input: "review,label\ngood,1\n" });
  assert.equal(b.code, 0, b.stderr);
  assert.equal(jsonl(b.stdout)[0].review, "good");
});

// item 12
test("eval takes --labels/--hypothesis for a zero-shot model", async () => {
  const f = join(tmp, "zs.tsv");
  writeFileSync(f, "text\tlabel\nThe match went to penalties\tsports\nParliament passed the budget\tpolitics\n");
  const r = await runInProcess(["eval", ...NLI, "-f", f, "--labels", "sports,politics", "--hypothesis", "This text is about {}.", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.rows, 2);
  assert.deepEqual(rep.confusion.labels, ["sports", "politics"]);
});

// item 14
test("zero-shot CSV has no always-empty error column; one empty text, one stderr line; --level sentence keeps CSV columns", async () => {
  const r = await runInProcess(["classify", ...NLI, "--labels", "sports,politics", "--format", "csv"], { input: "The match went to penalties\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parse(r.stdout)[0], ["text", "label", "score"]);
  const e = await runInProcess(["classify", ...NLI, "--labels", "sports,politics", "--format", "jsonl"], { input: "a goal\n\n" });
  assert.equal(e.code, 1);
  assert.equal(e.stderr.trim().split("\n").length, 1, e.stderr);
  assert.match(e.stderr, /line 2/);
  assert.equal(jsonl(e.stdout)[1].error !== undefined, true, "the JSON error record stays");
  const s = await runInProcess(["classify", ...M, "--input", "csv", "--column", "review", "--level", "sentence", "--format", "csv"], { input: "id,review\n7,Great screen. Awful battery.\n" });
  assert.equal(s.code, 0, s.stderr);
  const rows = parse(s.stdout);
  assert.deepEqual(rows[0], ["id", "review", "doc", "sentence", "begin", "end", "text", "label", "score"]);
  assert.deepEqual(rows.slice(1).map((x) => [x[0], x[6]]), [["7", "Great screen."], ["7", "Awful battery."]]);
});

// issue 9: eval reads through the binary guard
test("eval refuses binary input as classify does", async () => {
  const f = join(tmp, "bin.tsv");
  writeFileSync(f, Buffer.concat([Buffer.from("text\tlabel\n"), Buffer.from([0x50, 0x4b, 0x00, 0x04]), Buffer.from("\t1\n")]));
  const r = await runInProcess(["eval", ...M, "-f", f]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /looks binary/);
});

