// The embedding and reranking part of the catalog (issue 14): embed/rerank entries, their references,
// NLU's embed_sentence names as stand-ins, the research file they come from — and nlp models / nlp info on them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT, runCli } from "./helpers.mjs";
import { commitOf, hubEnv, repoDir } from "./hub-env.mjs";
import { startFakeHub } from "./fake-hub.mjs";
import { Catalog } from "../dist/catalog/catalog.js";
import { catalogProblems } from "../dist/catalog/schema.js";
import { defaultRequest, parseRef } from "../dist/catalog/grammar.js";
import { filePathProblem } from "../dist/hub/safe-path.js";

const raw = JSON.parse(readFileSync(join(ROOT, "models.json"), "utf8"));
const research = JSON.parse(readFileSync(join(ROOT, "research", "hub-onnx-embedders.json"), "utf8"));
const catalog = new Catalog(raw);
const embedders = raw.models.filter((m) => m.task === "embed");
const rerankers = raw.models.filter((m) => m.task === "rerank");
const byRef = (ref) => raw.models.find((m) => m.ref === ref);
// what sentence-transformers reads besides the weights: the pipeline, pooling, max_seq_length, prompts
const ST_FILES = ["modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"];

function resolves(ref) {
  const r = catalog.lookup(ref);
  assert.equal(r.kind, "found", `${ref}: ${JSON.stringify(r)}`);
  return r;
}
const same = (ref, want) => assert.equal(resolves(ref).entry.ref, want, ref);

test("at least 12 sentence embedders and 3 cross-encoders on distinct Hub repos, English and multilingual", () => {
  const own = embedders.filter((m) => !m.stands_in_for);
  assert.ok(own.length >= 12, `${own.length} embedders`);
  assert.equal(new Set(own.map((m) => m.repo)).size, own.length, "one entry per repo (stand-ins reuse them)");
  assert.ok(own.filter((m) => m.languages.includes("xx")).length >= 3, "multilingual embedders");
  const ownRerank = rerankers.filter((m) => !m.stands_in_for);
  assert.ok(ownRerank.length >= 3, `${ownRerank.length} rerankers`);
  assert.equal(new Set(ownRerank.map((m) => m.repo)).size, ownRerank.length);
  assert.deepEqual(catalogProblems(raw), []);
});

test("embedders fetch sentence-transformers' files with the weights; every path passes safe-path", () => {
  for (const m of embedders) {
    assert.match(m.ref, /^[a-z]{2}\.embed\./, m.ref);
    assert.equal(m.labels, null, `${m.ref}: an embedder has no labels`);
    for (const f of ST_FILES) assert.ok(m.optional_files.includes(f), `${m.ref}: optional_files has ${f}`);
    assert.ok(m.files.includes("config.json") && m.files.includes("tokenizer.json"), m.ref);
    for (const f of [...m.files, ...m.optional_files, ...Object.values(m.variants).flat()]) assert.equal(filePathProblem(f), null, `${m.ref}: ${f}`);
    assert.ok(m.variants.fp32 || m.variants.int8, `${m.ref}: an fp32 or int8 graph`);
  }
  for (const m of rerankers) {
    assert.match(m.ref, /^[a-z]{2}\.rerank\./, m.ref);
    assert.equal(m.labels, null, `${m.ref}: one relevance logit, read from config.json`);
    assert.match(m.labels_note, /one (relevance )?score|single/i, m.ref);
  }
});

test("the research file backs every embed/rerank entry: same repo, licence, dims, pooling and normalisation", () => {
  const byRepo = new Map(research.map((r) => [r.hub_repo, r]));
  assert.ok(research.filter((r) => r.task === "embed").length >= 12);
  assert.ok(research.filter((r) => r.task === "rerank").length >= 3);
  for (const r of research) {
    for (const k of ["ref", "hub_repo", "upstream", "task", "language", "architecture", "license", "evidence", "confidence", "layout"]) {
      assert.ok(r[k] !== undefined, `${r.ref}.${k}`);
    }
    assert.match(r.confidence, /^[ABCD]: /);
    if (r.task === "embed") {
      for (const k of ["dims", "pooling", "normalize", "max_seq_length", "prompts", "similarity_fn"]) assert.ok(r[k] !== undefined, `${r.ref}.${k}`);
      assert.ok(["mean", "cls", "max", "lasttoken"].includes(r.pooling), `${r.ref}: pooling ${r.pooling}`);
      assert.equal(typeof r.normalize, "boolean", r.ref);
    }
  }
  for (const m of [...embedders, ...rerankers]) {
    const r = byRepo.get(m.repo);
    assert.ok(r, `${m.ref}: ${m.repo} is in research/hub-onnx-embedders.json`);
    assert.equal(m.task, r.task, m.ref);
    assert.equal(m.license, r.license, m.ref);
    if (!m.stands_in_for) assert.equal(m.confidence, r.confidence[0], m.ref);
    if (m.task === "embed") {
      // the description a user sees before downloading states what the files will say
      assert.match(m.description, new RegExp(`\\b${r.dims}-d\\b`), `${m.ref}: dims`);
      assert.match(m.description, new RegExp(`\\b${r.pooling === "cls" ? "CLS" : r.pooling} pooling`), `${m.ref}: pooling`);
      assert.match(m.description, r.normalize ? /, normalized/ : /not normalized/, `${m.ref}: normalize`);
    }
  }
});

test("task and language defaults: en.embed, embed, xx.embed, de.embed, en.rerank, rerank, zh.rerank", () => {
  const to = (ref, want) => {
    same(ref, want);
    return resolves(ref);
  };
  assert.equal(to("en.embed", "en.embed.minilm.l6").via, "default");
  to("embed", "en.embed.minilm.l6");
  to("EN.EMBED.", "en.embed.minilm.l6");
  assert.equal(to("en.embed", "en.embed.minilm.l6").entry.repo, "sentence-transformers/all-MiniLM-L6-v2");
  to("xx.embed", "xx.embed.e5_small");
  to("de.embed", "xx.embed.e5_small"); // no German embedder: the multilingual default
  to("ja.embed", "xx.embed.e5_small");
  assert.equal(to("en.rerank", "en.rerank.minilm.msmarco").via, "default");
  to("rerank", "en.rerank.minilm.msmarco");
  assert.equal(to("en.rerank", "en.rerank.minilm.msmarco").entry.repo, "Xenova/ms-marco-MiniLM-L-6-v2");
  to("zh.rerank", "en.rerank.bge.base");
  assert.equal(catalog.lookup("fr.rerank").kind, "unknown", "no French reranker: no silent English fallback");
  assert.equal(catalog.defaultFor("embed", "en").ref, "en.embed.minilm.l6", "what nlp embed uses without -m");
  assert.equal(catalog.defaultFor("rerank", "en").ref, "en.rerank.minilm.msmarco", "what nlp rerank uses without -m");
});

test("action synonyms: embed_sentence, embeddings, sentence_embeddings, reranker, cross_encoder", () => {
  for (const s of ["en.embed_sentence", "embed-sentence", "en.embeddings", "sentence_embeddings", "en.sentence-embedding", "embedding"]) same(s, "en.embed.minilm.l6");
  for (const s of ["reranker", "en.cross_encoder", "cross-encoder", "en.re_rank", "rerankers"]) same(s, "en.rerank.minilm.msmarco");
  assert.equal(parseRef("en.embed_sentence.bert").action, "embed");
  assert.equal(parseRef("xx.embed_sentence.labse").action, "embed");
  assert.equal(parseRef("en.cross_encoder.minilm").action, "rerank");
  assert.deepEqual(defaultRequest("xx.embed_sentence"), { task: "embed", lang: "xx" });
  assert.deepEqual(defaultRequest("en.rerank"), { task: "rerank", lang: "en" });
  // a classification task word under embed/rerank (and the reverse) names nothing
  assert.equal(defaultRequest("en.embed.sentiment"), null);
  assert.equal(defaultRequest("en.rerank.pii"), null);
  assert.equal(catalog.lookup("en.embed.sentiment").kind, "unknown");
  // classification and token defaults are unchanged
  same("sentiment", "en.classify.sentiment.tiny");
  same("en", "en.classify.sentiment.tiny");
  same("en.ner", "en.ner.bert.conll03");
});

test("full refs, short refs, aliases and Hub ids resolve to the intended entries", () => {
  for (const m of [...embedders, ...rerankers]) {
    same(m.ref, m.ref);
    for (const a of m.aliases) same(a, m.ref);
  }
  same("en.embed.minilm", "en.embed.minilm.l6");
  same("en.embed.minilm.l6", "en.embed.minilm.l6");
  same("en.embed.l6.minilm", "en.embed.minilm.l6");
  same("all-MiniLM-L6-v2", "en.embed.minilm.l6");
  same("en.embed.bge.small", "en.embed.bge.small");
  same("en.embed.small.bge", "en.embed.bge.small");
  same("en.embed.bge.base", "en.embed.bge.base");
  same("en.embed.mpnet", "en.embed.mpnet.base");
  same("en.embed_sentence.mpnet.all_mpnet_base_v2", "en.embed.mpnet.base");
  same("en.embed.gte.small", "en.embed.gte.small");
  same("en.embed.arctic.xs", "en.embed.arctic.xs");
  same("xx.embed.e5_small", "xx.embed.e5_small");
  same("xx.embed.e5-base", "xx.embed.e5_base");
  same("xx.embed.minilm", "xx.embed.minilm.paraphrase");
  same("en.rerank.minilm.msmarco", "en.rerank.minilm.msmarco");
  same("en.rerank.msmarco", "en.rerank.minilm.msmarco");
  same("en.rerank.minilm.msmarco.l12", "en.rerank.minilm.msmarco.l12");
  same("en.rerank.bge", "en.rerank.bge.base");
  same("sentence-transformers/all-MiniLM-L6-v2", "en.embed.minilm.l6");
  same("BAAI/bge-small-en-v1.5", "en.embed.bge.small");
  same("intfloat/multilingual-e5-small", "xx.embed.e5_small");
  same("Xenova/ms-marco-MiniLM-L-6-v2", "en.rerank.minilm.msmarco");
  same("Xenova/bge-reranker-base", "en.rerank.bge.base");
  const amb = catalog.lookup("en.embed.bge");
  assert.equal(amb.kind, "ambiguous");
  assert.deepEqual([...amb.candidates].sort(), ["en.embed.bge.base", "en.embed.bge.small"]);
});

test("NLU's embed_sentence names resolve to real ONNX repos and say what they stand in for", () => {
  const cases = [
    ["en.embed_sentence.bert", "en.embed.bge.base", /sent_bert_base_uncased/],
    ["en.embed_sentence.bert_base_uncased", "en.embed.bge.base", /sent_bert_base_uncased/],
    ["en.embed_sentence.small_bert_L2_128", "en.embed.minilm.l6", /sent_small_bert_L2_128/],
    ["en.embed_sentence.small_bert_L4_256", "en.embed.minilm.l6", /sent_small_bert/],
    ["en.embed_sentence.small_bert_L12_768", "en.embed.minilm.l6", /sent_small_bert/],
    ["en.embed_sentence.use", "en.embed.minilm.l6", /tfhub_use/],
    ["en.embed_sentence.tfhub_use", "en.embed.minilm.l6", /tfhub_use/],
    ["en.embed_sentence.electra", "en.embed.bge.small", /sent_electra_small_uncased/],
    ["en.embed_sentence.e5_small", "xx.embed.e5_small", /e5_small/],
    ["en.embed_sentence.e5_base", "xx.embed.e5_base", /e5_base/],
    ["xx.embed_sentence.bert", "xx.embed.minilm.paraphrase", /sent_bert_multi_cased/],
    ["xx.embed_sentence.bert.cased", "xx.embed.minilm.paraphrase", /sent_bert_multi_cased/],
    ["xx.embed_sentence.labse", "xx.embed.minilm.paraphrase", /labse/i],
  ];
  for (const [nlu, main, model] of cases) {
    const r = resolves(nlu);
    assert.ok(r.entry.stands_in_for, `${nlu}: has a stands-in note`);
    assert.equal(r.entry.repo, byRef(main).repo, `${nlu} loads ${main}'s repo`);
    assert.equal(r.entry.task, "embed", nlu);
    assert.deepEqual(r.entry.optional_files, byRef(main).optional_files, `${nlu}: same files as ${main}`);
    assert.match(r.entry.stands_in_for.model, model, nlu);
    assert.match(r.entry.stands_in_for.note, /Spark NLP/, nlu);
  }
  // NLU's bare defaults are ours: en.embed_sentence is the en.embed default, xx.embed_sentence the xx one
  same("en.embed_sentence", "en.embed.minilm.l6");
  same("xx.embed_sentence", "xx.embed.e5_small");
  // the repos themselves name the models, not the stand-ins
  assert.equal(catalog.byRepo("sentence-transformers/all-MiniLM-L6-v2").ref, "en.embed.minilm.l6");
  assert.equal(catalog.byRepo("BAAI/bge-base-en-v1.5").ref, "en.embed.bge.base");
  assert.equal(byRef("en.embed.minilm.l6").stands_in_for, undefined);
});

test("the validator keeps embed and rerank refs with their tasks", () => {
  const emb = byRef("en.embed.minilm.l6");
  const rr = byRef("en.rerank.minilm.msmarco");
  const bad = [
    { ...emb, ref: "en.embed.x", task: "sentiment", aliases: [] },
    { ...emb, ref: "en.classify.x", task: "embed", aliases: [] },
    { ...rr, ref: "en.rerank.x", task: "embed", aliases: [] },
    { ...rr, ref: "en.embed.y", task: "rerank", aliases: [] },
    { ...emb, ref: "en.ner.x", task: "embed", aliases: [] },
  ];
  for (const b of bad) assert.ok(catalogProblems({ version: 1, models: [b] }).length > 0, `${b.ref} / ${b.task}`);
  assert.deepEqual(catalogProblems({ version: 1, models: [{ ...emb, ref: "de.embed.z", languages: ["de"], aliases: [] }] }), []);
  assert.match(catalogProblems({ version: 1, models: [emb], defaults: { embed: { en: "en.rerank.minilm.msmarco" } } }).join(), /no entry/);
  assert.match(catalogProblems({ version: 1, models: [emb, rr], defaults: { rerank: { en: "en.embed.minilm.l6" } } }).join(), /is a embed model/);
});

test("CLI: nlp models --task embed|rerank lists them", async () => {
  const { env } = hubEnv(null);
  const emb = JSON.parse((await runCli(["models", "--task", "embed", "--format", "json"], { env })).stdout);
  assert.ok(emb.length >= 12 && emb.every((r) => r.task === "embed"), `${emb.length} rows`);
  assert.ok(emb.some((r) => r.ref === "en.embed.minilm.l6" && r.repo === "sentence-transformers/all-MiniLM-L6-v2"));
  assert.ok(emb.some((r) => r.ref === "xx.embed.labse" && /labse/.test(r.stands_in_for)));
  const xx = JSON.parse((await runCli(["models", "--task", "embed", "--lang", "de", "--format", "json"], { env })).stdout);
  assert.ok(xx.some((r) => r.ref === "xx.embed.e5_small"));
  assert.ok(xx.every((r) => r.languages.split(",").some((l) => l === "de" || l === "xx")));
  const rr = JSON.parse((await runCli(["models", "--task", "rerank", "--format", "json"], { env })).stdout);
  assert.ok(rr.length >= 3 && rr.every((r) => r.task === "rerank"));
  assert.ok(rr.some((r) => r.ref === "en.rerank.minilm.msmarco"));
  const bad = await runCli(["models", "--task", "embedding"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /embed, rerank/);
});

test("CLI: nlp info en.embed and en.rerank show the default entries; NLU names show what they stand in for", async () => {
  const { env } = hubEnv(null, { HF_HUB_OFFLINE: "1" });
  const j = JSON.parse((await runCli(["info", "en.embed", "--format", "json"], { env })).stdout);
  assert.equal(j.ref, "en.embed.minilm.l6");
  assert.equal(j.task, "embed");
  assert.equal(j.repo, "sentence-transformers/all-MiniLM-L6-v2");
  assert.match(j.matched, /default/);
  assert.match(j.description, /384-d, mean pooling, normalized, max_seq_length 256/);
  assert.equal(j.license, "apache-2.0");
  assert.ok(j.optional_files.includes("1_Pooling/config.json"));
  const r = JSON.parse((await runCli(["info", "en.rerank", "--format", "json"], { env })).stdout);
  assert.equal(r.ref, "en.rerank.minilm.msmarco");
  assert.equal(r.repo, "Xenova/ms-marco-MiniLM-L-6-v2");
  const labse = await runCli(["info", "xx.embed_sentence.labse"], { env });
  assert.equal(labse.code, 0, labse.stderr);
  assert.match(labse.stdout, /stands in for\s+labse/);
  assert.match(labse.stdout, /repo\s+sentence-transformers\/paraphrase-multilingual-MiniLM-L12-v2/);
});

// The two sentence-transformers fixture bundles served under catalog repos: bert (mean + Normalize, 64) as
// all-MiniLM-L6-v2, xlm_roberta (CLS, no Normalize, 128) as bge-small. Without the optional files the
// xlm_roberta bundle would be mean-pooled (sentence-transformers' default), so CLS numbers prove they came along.
const EMBED = join(ROOT, "test", "fixtures", "hf-embed");
function bundleFiles(name) {
  const dir = join(EMBED, name);
  const out = {};
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== "embed_reference.json") out[relative(dir, p).split("\\").join("/")] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}
const embedRef = (name) => JSON.parse(readFileSync(join(EMBED, name, "embed_reference.json"), "utf8"));
let hub;
before(async () => {
  hub = await startFakeHub({
    repos: {
      "sentence-transformers/all-MiniLM-L6-v2": { refs: { main: commitOf("minilm") }, commits: { [commitOf("minilm")]: bundleFiles("bert") } },
      "BAAI/bge-small-en-v1.5": { refs: { main: commitOf("bge") }, commits: { [commitOf("bge")]: bundleFiles("xlm_roberta") } },
    },
  });
});
after(() => hub?.close());

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

test("CLI: catalog embedders download sentence-transformers' files with the weights, so pooling, normalisation and prompts are the model's", async () => {
  const { env, cache } = hubEnv(hub);
  for (const [refName, name, repo] of [
    ["en.embed", "bert", "sentence-transformers/all-MiniLM-L6-v2"],
    ["en.embed.bge.small", "xlm_roberta", "BAAI/bge-small-en-v1.5"],
    ["en.embed_sentence.small_bert_L2_128", "bert", "sentence-transformers/all-MiniLM-L6-v2"],
  ]) {
    const reference = embedRef(name);
    const cases = reference.cases.slice(0, 6);
    for (const promptName of [null, "query"]) {
      const picked = cases.filter((c) => c.prompt_name === promptName);
      const args = ["embed", "-m", refName, "--format", "jsonl", ...(promptName ? ["--prompt-name", promptName] : []), ...picked.map((c) => c.text)];
      const r = await runCli(args, { env });
      assert.equal(r.code, 0, `${refName}: ${r.stderr}`);
      const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(rows.length, picked.length);
      rows.forEach((row, i) => assert.ok(maxDiff(row.embedding, picked[i].embedding) <= 1e-5, `${refName} ${promptName}: case ${i}`));
    }
    const snap = join(repoDir(cache, repo), "snapshots");
    const [commit] = readdirSync(snap);
    for (const f of ST_FILES) assert.ok(existsSync(join(snap, commit, f)), `${repo}: ${f} downloaded`);
  }
});
