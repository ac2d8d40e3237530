// `nlp ner` through the real CLI: the JSONL contract on every hf-token case × strategy × model, and the
// other outputs (CSV pass-through, --explode, CoNLL, table), options and notes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AGGREGATION_STRATEGIES } from "../dist/index.js";
import { join } from "node:path";
import { runCli, jsonl, ROOT } from "./helpers.mjs";
import { TOKEN_ARCHS, tokenFixture, nerReference, assertEntities } from "./ner-helpers.mjs";

for (const arch of TOKEN_ARCHS) {
  test(`nlp ner --input jsonl --format jsonl equals the pipeline on every case × strategy (${arch})`, async () => {
    const ref = nerReference(arch);
    const input = ref.cases.map((c, i) => JSON.stringify({ id: i, text: c.text })).join("\n") + "\n";
    for (const s of AGGREGATION_STRATEGIES) {
      const r = await runCli(["ner", "-m", tokenFixture(arch), "--aggregation", s, "--input", "jsonl", "--text-key", "text", "--format", "jsonl", "--threads", "1"], { input });
      assert.equal(r.code, 0, r.stderr);
      const out = jsonl(r.stdout);
      assert.equal(out.length, ref.cases.length, "one line per input");
      out.forEach((o, i) => {
        assert.equal(o.id, i, "input fields kept, input order");
        assertEntities(o.entities, ref.cases[i].pipeline[s], `case ${i} ${s}`);
      });
      // the long text is cut as transformers cuts it: said once on stderr
      assert.equal(r.stderr.match(/cut there/g)?.length ?? 0, 1, r.stderr);
      assert.match(r.stderr, /1 of 49 texts was longer than the model.s 512 tokens and cut there \(first on line 41\)/);
    }
    const long = ref.cases.filter((c) => c.stride_simple);
    const r = await runCli(["ner", "-m", tokenFixture(arch), "--stride", String(ref.stride), "--format", "jsonl", "--threads", "1"], {
      input: long.map((c) => c.text.replace(/\n/g, " ")).join("\n") + "\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /cut there/);
    jsonl(r.stdout).forEach((o, i) => assertEntities(o.entities, long[i].stride_simple, `stride_simple ${i}`));
  });
}

const BERT = tokenFixture("bert");
const ref = nerReference("bert");
const NER_CASE = ref.cases[42]; // "Apple Inc. is looking at buying U.K. startup for $1 billion"

test("CSV in, CSV out: input columns kept, entities as a JSON array and entity_count", async () => {
  const csv = `id,body\n7,"${NER_CASE.text}"\n8,\n`;
  const r = await runCli(["ner", "-m", BERT, "--input", "csv", "--column", "body"], { input: csv });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines[0], "id,body,entities,entity_count");
  assert.equal(lines.length, 3);
  assert.ok(lines[1].startsWith(`7,${NER_CASE.text},`), lines[1]);
  const want = NER_CASE.pipeline.simple;
  assert.ok(lines[1].endsWith(`,${want.length}`), lines[1]);
  const cell = lines[1].slice(lines[1].indexOf('"[') + 1, lines[1].lastIndexOf(']"') + 1).replace(/""/g, '"');
  assertEntities(JSON.parse(cell), want, "entities cell");
  assert.equal(lines[2], "8,,[],0");
});

test("--explode: one row per entity with a 1-based row number", async () => {
  const r = await runCli(["ner", "-m", BERT, "--explode", "--format", "tsv", "--aggregation", "none", "hello", NER_CASE.text]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split("\n").map((l) => l.split("\t"));
  assert.deepEqual(rows[0], ["row", "entity", "score", "index", "word", "start", "end"]);
  const second = rows.slice(1).filter((x) => x[0] === "2");
  assert.equal(second.length, NER_CASE.pipeline.none.length);
  second.forEach((x, i) => {
    const w = NER_CASE.pipeline.none[i];
    assert.deepEqual([x[1], x[3], x[4], x[5], x[6]], [w.entity, String(w.index), w.word, String(w.start), String(w.end)]);
  });
});

test("--format conll: token<TAB>tag lines, O included, a blank line between texts", async () => {
  const r = await runCli(["ner", "-m", BERT, "--format", "conll", NER_CASE.text, "London calling"]);
  assert.equal(r.code, 0, r.stderr);
  const blocks = r.stdout.split("\n\n");
  assert.equal(blocks.length, 3, JSON.stringify(r.stdout));
  assert.equal(blocks[2], "");
  const first = blocks[0].split("\n").map((l) => l.split("\t"));
  const cps = Array.from(NER_CASE.text);
  // every content token of the reference, in order, tagged as the pipeline tags it (O where it reports nothing)
  const tagged = new Map(NER_CASE.pipeline.none.map((e) => [e.index, e.entity]));
  const want = NER_CASE.tokens
    .map((t, i) => ({ i, o: NER_CASE.offsets[i] }))
    .filter(({ i }) => !NER_CASE.special_tokens_mask[i])
    .map(({ i, o }) => [cps.slice(o[0], o[1]).join(""), tagged.get(i) ?? "O"]);
  assert.deepEqual(first, want);
  const bad = await runCli(["ner", "-m", BERT, "--format", "conll", "--aggregation", "first", "x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /conll/);
});

test("table: the text with entities marked, then one row per entity", async () => {
  const r = await runCli(["ner", "-m", BERT, "--format", "table", NER_CASE.text]);
  assert.equal(r.code, 0, r.stderr);
  const first = NER_CASE.pipeline.simple[0];
  assert.ok(r.stdout.includes(`[${Array.from(NER_CASE.text).slice(first.start, first.end).join("")}](${first.entity_group})`), r.stdout);
  assert.match(r.stdout, /entity_group/);
  assert.doesNotMatch(r.stdout, /\x1b\[/, "no colour with NO_COLOR or off a terminal");
});

test("--threshold, --ignore-labels, --offsets utf16 and usage errors", async () => {
  const emoji = nerReference("roberta").cases[24];
  const run = (...a) => runCli(["ner", "-m", tokenFixture("roberta"), "--format", "jsonl", ...a, emoji.text]);
  const base = jsonl((await run()).stdout)[0].entities;
  assertEntities(base, emoji.pipeline.simple, "default aggregation is simple");
  const cut = jsonl((await run("--threshold", "0.4")).stdout)[0].entities;
  assert.deepEqual(cut, base.filter((e) => e.score >= 0.4));
  assert.ok(cut.length < base.length && cut.length > 0, "the threshold drops some, not all");
  const keep = jsonl((await run("--aggregation", "none", "--ignore-labels", "")).stdout)[0].entities;
  assert.ok(keep.some((e) => e.entity === "O"));
  const noMisc = jsonl((await run("--ignore-labels", "O,MISC")).stdout)[0].entities;
  assert.deepEqual(noMisc, base.filter((e) => e.entity_group !== "MISC"));
  const u16 = jsonl((await run("--offsets", "utf16")).stdout)[0].entities;
  u16.forEach((e, i) => assert.equal(emoji.text.slice(e.start, e.end), Array.from(emoji.text).slice(base[i].start, base[i].end).join("")));
  for (const args of [["--aggregation", "bogus"], ["--aggregation", "none", "--stride", "8"], ["--stride", "600"], ["--offsets", "bytes"], ["--threshold", "2"]]) {
    const r = await run(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^nlp: /);
  }
});

test("a text-classification model is refused with the command to use (exit 2)", async () => {
  const r = await runCli(["ner", "-m", join(ROOT, "test", "fixtures", "hf-reference", "bert"), "Ada"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /text-classification model.*nlp classify/);
});

test("classify --level sentence counts begin/end as nlp ner does (code points), --offsets utf16 for JavaScript", async () => {
  const text = "😀 Great screen. Awful battery!";
  const m = ["classify", "-m", join(ROOT, "test", "fixtures", "hf-reference", "bert"), "--level", "sentence", "--format", "jsonl"];
  const cps = jsonl((await runCli([...m, text])).stdout);
  assert.deepEqual(cps.map((r) => [r.begin, r.end]), [[0, 15], [16, 30]]);
  const js = jsonl((await runCli([...m, "--offsets", "utf16", text])).stdout);
  assert.deepEqual(js.map((r) => [r.begin, r.end]), [[0, 16], [17, 31]]);
  js.forEach((r) => assert.equal(text.slice(r.begin, r.end), r.text));
  const bad = await runCli([...m, "--offsets", "bytes", text]);
  assert.equal(bad.code, 2);
});
