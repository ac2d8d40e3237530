// The catalog (models.json) and the reference grammar: schema, uniqueness, file lists, labels,
// the seed's references, synonyms, defaults, "did you mean" — and nlp models / nlp info on them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runCli } from "./helpers.mjs";
import { hubEnv } from "./hub-env.mjs";
import { Catalog } from "../dist/catalog/catalog.js";
import { catalogProblems } from "../dist/catalog/schema.js";
import { canonicalKey } from "../dist/catalog/grammar.js";
import { editDistance, suggest } from "../dist/catalog/suggest.js";

const raw = JSON.parse(readFileSync(join(ROOT, "models.json"), "utf8"));
const catalog = new Catalog(raw);
const ONNX_NAMES = {
  fp32: ["model.onnx"],
  int8: ["model_quantized.onnx", "model_int8.onnx", "model_optimized_quantized.onnx"],
  uint8: ["model_uint8.onnx"],
  fp16: ["model_fp16.onnx"],
  q4: ["model_q4.onnx"],
  optimized: ["model_optimized.onnx"],
};

test("models.json: at least 40 entries, each complete and coherent (checked here, independently of the code)", () => {
  const models = raw.models;
  assert.ok(models.length >= 40, `${models.length} entries`);
  const hub = models.filter((m) => m.source === "hub");
  assert.ok(hub.length >= 40, "at least 40 real Hub repos");
  for (const m of models) {
    const at = m.ref;
    assert.match(m.ref, /^[a-z]{2}\.(classify|zero_shot|ner|pos|embed|rerank)\.[a-z0-9_]+(\.[a-z0-9_]+)*$/, at);
    assert.ok(Array.isArray(m.aliases), at);
    assert.ok(typeof m.task === "string" && m.task.length > 0, at);
    assert.ok(Array.isArray(m.languages) && m.languages.length > 0 && m.languages.every((l) => /^[a-z]{2}$/.test(l)), at);
    assert.ok(["hub", "embedded"].includes(m.source), at);
    for (const k of ["architecture", "upstream", "dataset", "evidence"]) assert.equal(typeof m[k], "string", `${at}.${k}`);
    assert.ok(m.license === null || typeof m.license === "string", at);
    assert.ok(m.reported_accuracy === null || typeof m.reported_accuracy === "string", at);
    if (m.labels !== null) {
      assert.ok(m.labels.length >= 2, at);
      assert.equal(new Set(m.labels).size, m.labels.length, `${at}: unique labels`);
      assert.ok(!m.labels.some((l) => /^LABEL_\d+$/.test(l)), `${at}: real label names`);
    }
    if (m.source === "hub") {
      assert.match(m.repo, /^[\w.-]+\/[\w.-]+$/, at);
      assert.ok(m.revision, at);
    }
    if (m.files === "auto") continue;
    // a bundle: config + tokenizer in the same folder bundle.ts reads, one graph per variant named as bundle.ts expects
    const cfg = m.files.find((f) => f.endsWith("config.json") && !f.endsWith("tokenizer_config.json"));
    assert.ok(cfg === "config.json" || cfg === "onnx/config.json", `${at}: config.json`);
    assert.ok(m.files.includes(cfg.replace("config.json", "tokenizer.json")), `${at}: tokenizer.json next to config.json`);
    const all = [...m.files, ...(m.optional_files ?? [])];
    assert.equal(new Set(all).size, all.length, `${at}: no file twice`);
    assert.ok(Object.keys(m.variants).length > 0, at);
    for (const [v, files] of Object.entries(m.variants)) {
      const graph = files.at(-1);
      const name = graph.split("/").pop();
      assert.ok(ONNX_NAMES[v]?.includes(name), `${at}: ${v} → ${graph}`);
      assert.ok(graph === name || graph === `onnx/${name}`, `${at}: ${graph} where bundle.ts looks`);
      for (const f of files.slice(0, -1)) assert.ok(f.startsWith(`${graph}_data`), `${at}: ${f} is external data`);
      if (m.sizes_mb?.[v] !== undefined) assert.ok(m.sizes_mb[v] > 0);
    }
  }
});

test("refs and aliases are unique, also after folding synonyms, case and trailing dots", () => {
  const seen = new Map();
  for (const m of raw.models) {
    for (const name of [m.ref, ...m.aliases]) {
      const key = name.toLowerCase().replace(/\.+$/, "").replace(/-/g, "_");
      assert.ok(!seen.has(key), `${name} (${m.ref}) clashes with ${seen.get(key)}`);
      seen.set(key, m.ref);
    }
  }
  assert.deepEqual(catalogProblems(raw), []);
});

test("the validator catches broken entries", () => {
  const good = raw.models[1];
  const broken = [
    { ...good, ref: "Classify bert" },
    { ...good, labels: ["LABEL_0", "LABEL_1"] },
    { ...good, variants: { int8: ["onnx/model.onnx"] } },
    { ...good, files: ["tokenizer.json"] },
    { ...good, repo: "not-a-repo" },
    { ...good, task: "poetry" },
  ];
  for (const b of broken) assert.ok(catalogProblems({ version: 1, models: [b] }).length > 0, JSON.stringify(b).slice(0, 80));
  assert.match(catalogProblems({ version: 1, models: [good, { ...raw.models[2], aliases: [good.ref.toUpperCase() + "."] }] }).join(), /reads the same/);
});

test("the seed's references resolve to real ONNX repos and say what they stand in for", () => {
  const imdb = catalog.lookup("en.classify.bert.imdb");
  assert.equal(imdb.kind, "found");
  assert.equal(imdb.entry.repo, "arnabdhar/tinybert-imdb");
  assert.match(imdb.entry.stands_in_for.model, /fabriceyhc\/bert-base-uncased-imdb/);
  const allocine = catalog.lookup("fr.classify.distilbert_sequence.allocine");
  assert.equal(allocine.kind, "found");
  assert.equal(allocine.entry.source, "hub");
  assert.match(allocine.entry.stands_in_for.note, /John Snow Labs/);
  assert.deepEqual(allocine.entry.languages, ["fr"]);
});

test("grammar: synonyms, case, trailing dots, default language, family/dataset order", () => {
  const same = (a, b) => {
    const x = catalog.lookup(a);
    assert.equal(x.kind, "found", a);
    assert.equal(x.entry.ref, b, a);
  };
  same("en.classify.distilbert_sequence.sst2", "en.classify.distilbert_sequence.sst2");
  same("en.classify.distil_bert.sst2", "en.classify.distilbert_sequence.sst2");
  same("EN.Classify.DistilBERT.SST2.", "en.classify.distilbert_sequence.sst2");
  same("classify.distilbert.sst2", "en.classify.distilbert_sequence.sst2");
  same("distilbert.sst2", "en.classify.distilbert_sequence.sst2");
  same("en.classify.bert_sequence.imdb", "en.classify.bert.imdb");
  same("en.classify.imdb.bert", "en.classify.bert.imdb");
  same("xx.classify.xlmr.toxicity", "xx.classify.xlm_roberta.toxicity");
  same("xx.classify.xlm-roberta.toxicity", "xx.classify.xlm_roberta.toxicity");
  same("en.classify.go-emotions", "en.classify.roberta.go_emotions");
  same("Xenova/toxic-bert", "en.classify.bert.toxic");
  assert.equal(canonicalKey("en.classify.bert_sequence.imdb."), canonicalKey("bert.imdb"));
});

test("defaults: task words, en.classify, fr.classify, bare languages, zero-shot", () => {
  const to = (ref) => {
    const r = catalog.lookup(ref);
    assert.equal(r.kind, "found", ref);
    return r.entry;
  };
  assert.equal(to("sentiment").ref, "en.classify.sentiment.tiny");
  assert.equal(to("en").ref, "en.classify.sentiment.tiny");
  assert.equal(to("en.classify").ref, "en.classify.sentiment.tiny");
  assert.equal(to("en.classify").source, "embedded");
  assert.equal(to("emotion").task, "emotion");
  assert.equal(to("toxicity").task, "toxicity");
  for (const z of ["zero-shot", "zero_shot", "en.zero_shot", "nli"]) assert.equal(to(z).task, "zero-shot", z);
  assert.deepEqual(to("fr.classify").languages, ["fr"]);
  assert.deepEqual(to("fr").languages, ["fr"]);
  assert.ok(to("de").languages.includes("de"), "a model that speaks German");
  assert.equal(to("de").task, "sentiment");
  assert.equal(to("fr.zero_shot").task, "zero-shot");
  assert.ok(to("fr.zero_shot").languages.includes("fr"));
  assert.equal(to("ja.zero_shot").languages[0], "xx");
  assert.ok(raw.models.filter((m) => m.task === "zero-shot").length >= 5);
  assert.equal(catalog.lookup("ko").kind, "unknown", "no Korean sentiment model: no silent fallback");
});

test("edit distance and suggestions", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("same", "same"), 0);
  assert.deepEqual(suggest("en.clasify.bert.imbd", catalog.names()).slice(0, 1), ["en.classify.bert.imdb"]);
  assert.ok(suggest("sentimnt", catalog.names()).includes("sentiment"));
  assert.deepEqual(suggest("qqqqqqqqqqqqqq", catalog.names()), []);
});

test("CLI: an unknown reference exits 2 with did-you-mean, one line, no stack", async () => {
  const { env } = hubEnv(null);
  const r = await runCli(["classify", "-m", "en.clasify.bert.imbd", "great"], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^nlp: unknown model "en\.clasify\.bert\.imbd"; did you mean en\.classify\.bert\.imdb/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  const amb = await runCli(["info", "en.classify.bert"], { env });
  assert.equal(amb.code, 2);
  assert.match(amb.stderr, /matches \d+ models: .*en\.classify\.bert\.imdb/);
});

test("CLI: nlp models filters by query, task and language; json has every entry", async () => {
  const { env } = hubEnv(null);
  const all = await runCli(["models", "--format", "json"], { env });
  assert.equal(all.code, 0, all.stderr);
  const rows = JSON.parse(all.stdout);
  assert.equal(rows.length, raw.models.length);
  assert.equal(rows.find((r) => r.ref === "en.classify.sentiment.tiny").cached, "built-in");
  assert.equal(rows.find((r) => r.ref === "en.classify.bert.imdb").cached, "");
  const zs = JSON.parse((await runCli(["models", "--task", "zero-shot", "--format", "json"], { env })).stdout);
  assert.ok(zs.length >= 5 && zs.every((r) => r.task === "zero-shot"));
  const fr = JSON.parse((await runCli(["models", "--lang", "fr", "--task", "sentiment", "--format", "json"], { env })).stdout);
  assert.ok(fr.some((r) => r.ref === "fr.classify.distilbert_sequence.allocine"));
  assert.ok(fr.every((r) => r.languages.split(",").some((l) => l === "fr" || l === "xx")));
  const imdb = JSON.parse((await runCli(["models", "imdb", "--format", "json"], { env })).stdout);
  assert.deepEqual(imdb.map((r) => r.ref).sort(), ["en.classify.bert.imdb", "en.classify.distilbert_sequence.imdb"]);
  const table = await runCli(["models", "--format", "table", "--task", "emotion"], { env });
  assert.match(table.stdout, /en\.classify\.roberta\.emotion/);
  const bad = await runCli(["models", "--task", "poetry"], { env });
  assert.equal(bad.code, 2);
});

test("CLI: nlp info shows the substitution, accuracy, files and cache state without any network", async () => {
  const { env } = hubEnv(null, { HF_HUB_OFFLINE: "1" });
  const r = await runCli(["info", "en.classify.bert.imdb"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /stands in for\s+fabriceyhc\/bert-base-uncased-imdb/);
  assert.match(r.stdout, /reported accuracy\s+0\.8944/);
  assert.match(r.stdout, /repo\s+arnabdhar\/tinybert-imdb/);
  assert.match(r.stdout, /files\s+config\.json, tokenizer\.json, model\.onnx/);
  assert.match(r.stdout, /cache\s+not downloaded: run `nlp pull en\.classify\.bert\.imdb`/);
  const j = JSON.parse((await runCli(["info", "fr.classify.distilbert_sequence.allocine", "--format", "json"], { env })).stdout);
  assert.match(j.stands_in_for, /John Snow Labs/);
  assert.deepEqual(j.labels, ["negative", "positive"]);
  const d = JSON.parse((await runCli(["info", "zero-shot", "--format", "json"], { env })).stdout);
  assert.match(d.matched, /default/);
});
