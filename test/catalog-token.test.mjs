// The token-classification part of the catalog (issue 13): ner/pos/pii entries, their references,
// NLU's NER/POS names as stand-ins, the research file they come from — and nlp models / nlp info on them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runInProcess } from "./helpers.mjs";
import { hubEnv } from "./hub-env.mjs";
import { Catalog } from "../dist/catalog/catalog.js";
import { catalogProblems } from "../dist/catalog/schema.js";
import { defaultRequest, parseRef } from "../dist/catalog/grammar.js";

const raw = JSON.parse(readFileSync(join(ROOT, "models.json"), "utf8"));
const research = JSON.parse(readFileSync(join(ROOT, "research", "hub-onnx-token-classifiers.json"), "utf8"));
const catalog = new Catalog(raw);
const TOKEN_TASKS = ["ner", "pos", "pii"];
const tokenEntries = raw.models.filter((m) => TOKEN_TASKS.includes(m.task));
const byRef = (ref) => raw.models.find((m) => m.ref === ref);

function resolves(ref) {
  const r = catalog.lookup(ref);
  assert.equal(r.kind, "found", `${ref}: ${JSON.stringify(r)}`);
  return r;
}

test("at least 8 token classifiers on distinct Hub repos: English CoNLL, multilingual, fr, de, OntoNotes, PII, POS", () => {
  const own = tokenEntries.filter((m) => !m.stands_in_for);
  assert.ok(own.length >= 8, `${own.length} entries`);
  assert.equal(new Set(own.map((m) => m.repo)).size, own.length, "one entry per repo (stand-ins reuse them)");
  const has = (pred, what) => assert.ok(own.some(pred), what);
  has((m) => m.task === "ner" && m.languages.length === 1 && m.languages[0] === "en" && /CoNLL-2003/.test(m.dataset), "English CoNLL-03");
  has((m) => m.task === "ner" && m.languages.length > 3 && m.languages.includes("es") && m.languages.includes("de"), "multilingual (covers es, de)");
  has((m) => m.task === "ner" && m.languages.includes("fr") && m.languages.length === 1, "French");
  has((m) => m.task === "ner" && m.languages.includes("de") && m.languages.length === 1, "German");
  has((m) => m.task === "ner" && /OntoNotes/.test(m.dataset), "OntoNotes");
  has((m) => m.task === "pii", "PII detector");
  has((m) => m.task === "pos" && m.languages.includes("en"), "English POS tagger");
});

test("token entries: refs lang.(ner|pos).family.dataset, labels a real tag list or read from config", () => {
  for (const m of tokenEntries) {
    assert.match(m.ref, m.task === "pos" ? /^[a-z]{2}\.pos\./ : /^[a-z]{2}\.ner\./, m.ref);
    if (m.labels === null) {
      assert.ok(m.labels_note && m.labels_note.length > 20, `${m.ref}: says where the labels come from`);
      continue;
    }
    assert.ok(m.labels.includes("O") || m.task === "pos", `${m.ref}: has an O tag`);
    if (m.task !== "pos") for (const l of m.labels) assert.match(l, /^(O|[BI]-[A-Z_]+)$/, `${m.ref}: ${l} is a BIO/IO tag`);
  }
  assert.deepEqual(catalogProblems(raw), []);
});

test("the research file backs every token entry: same repo, same labels where both list them", () => {
  const byRepo = new Map(research.map((r) => [r.hub_repo, r]));
  assert.ok(research.length >= 8);
  for (const r of research) {
    for (const k of ["ref", "hub_repo", "upstream", "task", "language", "architecture", "labels", "dataset", "evidence", "confidence", "layout"]) {
      assert.ok(r[k] !== undefined, `${r.ref}.${k}`);
    }
    assert.match(r.confidence, /^[ABCD]: /);
  }
  for (const m of tokenEntries) {
    const r = byRepo.get(m.repo);
    assert.ok(r, `${m.ref}: ${m.repo} is in research/hub-onnx-token-classifiers.json`);
    assert.equal(m.confidence, r.confidence[0], m.ref);
    if (Array.isArray(m.labels) && Array.isArray(r.labels)) assert.deepEqual(m.labels, r.labels, m.ref);
  }
});

test("task and language defaults: en.ner, ner, xx.ner, fr/de/es.ner, en.pos, pos, pii", () => {
  const to = (ref, want) => {
    const r = resolves(ref);
    assert.equal(r.entry.ref, want, ref);
    return r;
  };
  assert.equal(to("en.ner", "en.ner.bert.conll03").via, "default");
  to("ner", "en.ner.bert.conll03");
  to("EN.NER.", "en.ner.bert.conll03");
  assert.equal(to("en.ner", "en.ner.bert.conll03").entry.repo, "Xenova/bert-base-NER");
  to("xx.ner", "xx.ner.bert.hrl");
  to("fr.ner", "fr.ner.camembert.wikiner");
  to("de.ner", "xx.ner.bert.hrl");
  to("es.ner", "xx.ner.bert.hrl");
  to("it.ner", "xx.ner.bert.hrl"); // no default for it: the first model that lists the language
  to("ru.ner", "xx.ner.bert.wikineural");
  to("en.pos", "en.pos.bert.ud");
  to("pos", "en.pos.bert.ud");
  to("pii", "en.ner.deberta.pii");
  to("en.pii", "en.ner.deberta.pii");
  to("en.ner.pii", "en.ner.deberta.pii");
  assert.equal(catalog.lookup("ja.ner").kind, "unknown", "no Japanese NER model: no silent fallback");
  assert.equal(catalog.lookup("fr.pos").kind, "unknown");
});

test("action synonyms: token_classify, named_entity, part_of_speech; a task word must fit its action", () => {
  for (const s of ["en.token_classify", "named_entity", "named-entity", "en.token_classification", "named_entity_recognition"]) {
    assert.equal(resolves(s).entry.ref, "en.ner.bert.conll03", s);
  }
  for (const s of ["part_of_speech", "part-of-speech", "en.pos_tag", "en.pos_tagger"]) assert.equal(resolves(s).entry.ref, "en.pos.bert.ud", s);
  assert.equal(parseRef("en.token_classify.bert").action, "ner");
  assert.equal(parseRef("de.part-of-speech").action, "pos");
  assert.deepEqual(defaultRequest("fr.ner"), { task: "ner", lang: "fr" });
  assert.deepEqual(defaultRequest("en.ner.pii"), { task: "pii", lang: "en" });
  // a sentence-classification task word under a token action (and the reverse) names nothing
  assert.equal(defaultRequest("en.ner.sentiment"), null);
  assert.equal(defaultRequest("en.pos.pii"), null);
  assert.equal(defaultRequest("en.classify.pii"), null);
  assert.equal(catalog.lookup("en.ner.sentiment").kind, "unknown");
  assert.equal(catalog.lookup("en.classify.pii").kind, "unknown");
  // classification defaults are unchanged
  assert.equal(resolves("sentiment").entry.ref, "en.classify.sentiment.tiny");
  assert.equal(resolves("en").entry.ref, "en.classify.sentiment.tiny");
  assert.equal(resolves("zero-shot").entry.task, "zero-shot");
});

test("full refs, partial refs, family synonyms and Hub ids resolve to the intended entries", () => {
  const same = (ref, want) => assert.equal(resolves(ref).entry.ref, want, ref);
  for (const m of tokenEntries) {
    same(m.ref, m.ref);
    for (const a of m.aliases) same(a, m.ref);
  }
  same("en.ner.conll03", "en.ner.bert.conll03");
  same("en.ner.xlmr", "en.ner.xlm_roberta.conll03");
  same("en.ner.xlm-roberta.conll03", "en.ner.xlm_roberta.conll03");
  same("de.ner.xlmr", "de.ner.xlm_roberta.conll03");
  same("fr.ner.camembert", "fr.ner.camembert.wikiner");
  same("xx.ner.hrl", "xx.ner.bert.hrl");
  same("xx.ner.wikineural", "xx.ner.bert.wikineural");
  same("en.ner.ontonotes", "en.ner.bert.ontonotes");
  same("Xenova/bert-base-NER", "en.ner.bert.conll03");
  same("Xenova/bert-base-multilingual-cased-ner-hrl", "xx.ner.bert.hrl");
  same("Xenova/camembert-ner", "fr.ner.camembert.wikiner");
  const amb = catalog.lookup("xx.ner.bert");
  assert.equal(amb.kind, "ambiguous");
  assert.deepEqual([...amb.candidates].sort(), ["xx.ner.bert.hrl", "xx.ner.bert.wikineural"]);
});

test("NLU's NER and POS names resolve to real ONNX repos and say what they stand in for", () => {
  const cases = [
    ["en.ner.dl", "en.ner.bert.conll03", /ner_dl\b/],
    ["en.ner.conll", "en.ner.bert.conll03", /ner_dl\b/],
    ["en.ner.dl.glove.6B_100d", "en.ner.bert.conll03", /ner_dl\b/],
    ["en.ner.bert", "en.ner.bert.conll03", /ner_dl_bert/],
    ["en.ner.dl.bert", "en.ner.bert.conll03", /ner_dl_bert/],
    ["en.ner.onto", "en.ner.bert.ontonotes", /onto_100/],
    ["en.ner.onto.bert.cased_base", "en.ner.bert.ontonotes", /onto_100/],
    ["fr.ner.wikiner", "fr.ner.camembert.wikiner", /wikiner_840B_300/],
    ["fr.ner.wikiner.glove.840B_300", "fr.ner.camembert.wikiner", /wikiner_840B_300/],
    ["de.ner.wikiner", "xx.ner.bert.hrl", /wikiner/],
    ["es.ner.wikiner", "xx.ner.bert.hrl", /wikiner/],
    ["xx.ner.wikiner_glove_840B_300", "xx.ner.bert.hrl", /wikiner/],
    ["en.pos.ud_ewt", "en.pos.bert.ud", /pos_ud_ewt/],
  ];
  for (const [nlu, main, model] of cases) {
    const r = resolves(nlu);
    assert.ok(r.entry.stands_in_for, `${nlu}: has a stands-in note`);
    assert.equal(r.entry.repo, byRef(main).repo, `${nlu} loads ${main}'s repo`);
    assert.equal(r.entry.task, byRef(main).task, nlu);
    assert.match(r.entry.stands_in_for.model, model, nlu);
    assert.match(r.entry.stands_in_for.note, /Spark NLP/, nlu);
  }
  // the repos themselves name the models, not the stand-ins
  assert.equal(catalog.byRepo("Xenova/bert-base-NER").ref, "en.ner.bert.conll03");
  assert.equal(byRef("en.ner.bert.conll03").stands_in_for, undefined);
});

test("the validator keeps a ref's action and its task together", () => {
  const ner = byRef("en.ner.bert.conll03");
  const cls = raw.models.find((m) => m.ref === "en.classify.distilbert_sequence.sst2");
  const bad = [
    { ...ner, ref: "en.ner.bert.x", task: "sentiment" },
    { ...ner, ref: "en.pos.bert.x", task: "ner" },
    { ...cls, ref: "en.classify.bert.x", task: "ner" },
    { ...ner, ref: "en.tag.bert.x" },
  ];
  for (const b of bad) assert.ok(catalogProblems({ version: 1, models: [b] }).length > 0, `${b.ref} / ${b.task}`);
  assert.deepEqual(catalogProblems({ version: 1, models: [{ ...ner, ref: "en.ner.bert.y", task: "pii", aliases: [] }] }), []);
  assert.match(catalogProblems({ version: 1, models: [ner], defaults: { ner: { en: "en.classify.distilbert_sequence.sst2" } } }).join(), /no entry/);
});

test("CLI: nlp models --task ner|pos|pii lists the token classifiers", async () => {
  const { env } = hubEnv(null);
  const ner = JSON.parse((await runInProcess(["models", "--task", "ner", "--format", "json"], { env })).stdout);
  assert.ok(ner.length >= 8 && ner.every((r) => r.task === "ner"), `${ner.length} rows`);
  assert.ok(ner.some((r) => r.ref === "en.ner.bert.conll03" && r.labels.startsWith("O,B-MISC")));
  assert.ok(ner.some((r) => r.ref === "en.ner.onto" && /onto_100/.test(r.stands_in_for)));
  const fr = JSON.parse((await runInProcess(["models", "--task", "ner", "--lang", "fr", "--format", "json"], { env })).stdout);
  assert.ok(fr.some((r) => r.ref === "fr.ner.camembert.wikiner"));
  assert.ok(fr.every((r) => r.languages.split(",").some((l) => l === "fr" || l === "xx")));
  const pos = JSON.parse((await runInProcess(["models", "--task", "pos", "--format", "json"], { env })).stdout);
  assert.ok(pos.some((r) => r.ref === "en.pos.bert.ud") && pos.every((r) => r.task === "pos"));
  const pii = JSON.parse((await runInProcess(["models", "--task", "pii", "--format", "json"], { env })).stdout);
  assert.deepEqual(pii.map((r) => r.ref), ["en.ner.deberta.pii"]);
  const bad = await runInProcess(["models", "--task", "entities"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ner, pos, pii/);
});

test("CLI: nlp info en.ner shows the default entry; NLU names show what they stand in for", async () => {
  const { env } = hubEnv(null, { HF_HUB_OFFLINE: "1" });
  const j = JSON.parse((await runInProcess(["info", "en.ner", "--format", "json"], { env })).stdout);
  assert.equal(j.ref, "en.ner.bert.conll03");
  assert.equal(j.task, "ner");
  assert.equal(j.repo, "Xenova/bert-base-NER");
  assert.match(j.matched, /default/);
  assert.deepEqual(j.labels, ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]);
  assert.equal(j.license, "mit");
  const onto = await runInProcess(["info", "en.ner.onto"], { env });
  assert.equal(onto.code, 0, onto.stderr);
  assert.match(onto.stdout, /stands in for\s+onto_100/);
  assert.match(onto.stdout, /repo\s+Seemant\/bert-base-ontonotes5-ner-ONNX/);
  assert.match(onto.stdout, /files\s+chosen from the repo's file list/);
  const pos = JSON.parse((await runInProcess(["info", "en.pos", "--format", "json"], { env })).stdout);
  assert.equal(pos.ref, "en.pos.bert.ud");
  assert.match(pos.labels, /read from config\.json/);
});
