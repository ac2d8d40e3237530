// nlp import checks a folder with the loader of its task (token classifier, embedder, sequence classifier),
// refuses a folder whose config belongs to another task, and defaults --task from the config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, ROOT, runInProcess, jsonl } from "./helpers.mjs";
import { hubEnv } from "./hub-env.mjs";

const TOKEN = join(ROOT, "test", "fixtures", "hf-token", "bert");
const EMBED = join(ROOT, "test", "fixtures", "hf-embed", "bert");
const CLASSIFIER = join(FIXTURES, "bert");

/** A fresh config home with a copy of `fixture` in it (the catalog records the folder's path). */
function setup(fixture) {
  const { env, root } = hubEnv(null);
  const folder = join(root, "my-export");
  cpSync(fixture, folder, { recursive: true });
  const catalog = join(root, "config", "nlp", "models.json");
  return { env, folder, catalog, saved: () => JSON.parse(readFileSync(catalog, "utf8")).models };
}

test("a token classifier imports without --task (the ref says ner) and nlp ner runs it through the reference", async () => {
  const { env, folder, saved } = setup(TOKEN);
  const r = await runInProcess(["import", folder, "--as", "en.ner.bert.mine"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(saved()[0].task, "ner");
  assert.match(r.stderr, /nlp ner en\.ner\.bert\.mine/);
  const args = ["--format", "jsonl", "--threads", "1", "Ada Lovelace was born in London."];
  const viaRef = await runInProcess(["ner", "-m", "en.ner.bert.mine", ...args], { env });
  assert.equal(viaRef.code, 0, viaRef.stderr);
  const direct = await runInProcess(["ner", "-m", folder, ...args], { env });
  assert.deepEqual(jsonl(viaRef.stdout), jsonl(direct.stdout));
  assert.ok(Array.isArray(jsonl(viaRef.stdout)[0].entities));

  const pos = await runInProcess(["import", folder, "--as", "mytags", "--task", "pos"], { env });
  assert.equal(pos.code, 0, pos.stderr);
  assert.equal(saved()[0].task, "pos");
});

test("a sentence-transformers folder imports as embed by default and nlp embed runs it through the reference", async () => {
  const { env, folder, saved } = setup(EMBED);
  const r = await runInProcess(["import", folder, "--as", "en.embed.bert.mine"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(saved()[0].task, "embed");
  assert.equal(saved()[0].labels, null);
  assert.match(r.stderr, /nlp embed en\.embed\.bert\.mine/);
  const viaRef = await runInProcess(["embed", "-m", "en.embed.bert.mine", "--format", "jsonl", "one", "two"], { env });
  assert.equal(viaRef.code, 0, viaRef.stderr);
  const direct = await runInProcess(["embed", "-m", folder, "--format", "jsonl", "one", "two"], { env });
  assert.deepEqual(jsonl(viaRef.stdout), jsonl(direct.stdout));
  assert.equal(jsonl(viaRef.stdout)[0].embedding.length, 32);
});

test("a sequence classifier imports (task other without --task) and nlp classify runs it through the reference", async () => {
  const { env, folder, saved } = setup(CLASSIFIER);
  const r = await runInProcess(["import", folder, "--as", "en.classify.bert.mine"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(saved()[0].task, "other");
  const c = await runInProcess(["classify", "-m", "en.classify.bert.mine", "--format", "jsonl", "my invoice is wrong"], { env });
  assert.equal(c.code, 0, c.stderr);
  const direct = await runInProcess(["classify", "-m", folder, "--format", "jsonl", "my invoice is wrong"], { env });
  assert.deepEqual(jsonl(c.stdout), jsonl(direct.stdout));
  assert.ok(["NEGATIVE", "POSITIVE"].includes(jsonl(c.stdout)[0].label));
});

test("a folder imported with another task's --task is a one-line usage error naming the right --task; nothing is saved", async () => {
  const cases = [
    [TOKEN, ["--as", "en.classify.bert.tags", "--task", "sentiment"], /token-classification.*--task ner/],
    [TOKEN, ["--as", "en.embed.bert.tags", "--task", "embed"], /token-classification.*--task ner/],
    [TOKEN, ["--as", "mytags"], /token-classification.*--task ner, pos or pii/],
    [EMBED, ["--as", "en.classify.bert.vectors", "--task", "sentiment"], /sentence-embedding.*--task embed/],
    [EMBED, ["--as", "en.ner.bert.vectors", "--task", "ner"], /sentence-embedding.*--task embed/],
    [CLASSIFIER, ["--as", "en.ner.bert.texts", "--task", "ner"], /text-classification.*--task sentiment/],
    [CLASSIFIER, ["--as", "en.embed.bert.texts", "--task", "embed"], /text-classification.*--task sentiment/],
    [CLASSIFIER, ["--as", "en.rerank.bert.texts", "--task", "rerank"], /2 labels.*reranker.*--task sentiment/],
  ];
  for (const [fixture, args, message] of cases) {
    const { env, folder, catalog } = setup(fixture);
    const r = await runInProcess(["import", folder, ...args], { env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.ok(!existsSync(catalog), "nothing saved");
  }
});
