// nlp cache list|path|rm|verify|clear, nlp import, embedded entries and catalog refs as classify
// positionals; plus the pure pieces of the downloader (error messages, headers, file choice).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, runInProcess, jsonl } from "./helpers.mjs";
import { startFakeHub, sha256 } from "./fake-hub.mjs";
import { C_NEW, SST2, bert, fakeRepos, hubEnv, repoDir } from "./hub-env.mjs";
import { fsFailure, httpFailure, backoffMs, MissingFileError } from "../dist/hub/failures.js";
import { contentRangeStart } from "../dist/hub/download.js";
import { normalizeEtag, repoFolderName, repoFromFolderName } from "../dist/hub/cache-layout.js";
import { planFromListing } from "../dist/hub/file-plan.js";
import { isCatalogOrHubRef } from "../dist/catalog/positional.js";

const REF = "en.classify.distilbert_sequence.sst2";
let hub;
before(async () => {
  hub = await startFakeHub({ repos: fakeRepos() });
});
after(() => hub.close());

test("cache list, path, verify (catches a corrupt blob), verify --fix, then a refetch; rm; clear", async () => {
  const { env, cache } = hubEnv(hub);
  const pulled = await runInProcess(["pull", REF, "imdb", "-q"], { env });
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.stdout.trim().split("\n").length, 2, "one folder per model on stdout");

  const list = JSON.parse((await runInProcess(["cache", "list", "--format", "json"], { env })).stdout);
  assert.deepEqual(list.map((r) => r.repo).sort(), ["Xenova/distilbert-base-uncased-finetuned-sst-2-english", "arnabdhar/tinybert-imdb"].sort());
  const sst2 = list.find((r) => r.repo === SST2);
  assert.equal(sst2.ref, REF);
  assert.ok(sst2.files.includes("onnx/model_quantized.onnx"));
  const expectedBytes = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx"].reduce((s, f) => s + bert(f).length, 0);
  assert.equal(sst2.size, expectedBytes);

  assert.equal((await runInProcess(["cache", "path"], { env })).stdout.trim(), cache);
  const snap = join(repoDir(cache, SST2), "snapshots", C_NEW);
  assert.equal((await runInProcess(["cache", "path", REF], { env })).stdout.trim(), snap);
  const notThere = await runInProcess(["cache", "path", "en.classify.bert.toxic"], { env });
  assert.equal(notThere.code, 1);
  assert.match(notThere.stderr, /nlp pull en\.classify\.bert\.toxic/);

  const ok = await runInProcess(["cache", "verify"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok\t.*onnx\/model_quantized\.onnx$/m);

  // damage the graph's blob on disk
  const blob = join(repoDir(cache, SST2), "blobs", sha256(bert("onnx/model_quantized.onnx")));
  const bytes = readFileSync(blob);
  bytes[1000] ^= 0xff;
  writeFileSync(blob, bytes);
  const bad = await runInProcess(["cache", "verify", REF], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^corrupt\t.*onnx\/model_quantized\.onnx/m);
  assert.match(bad.stderr, /nlp cache verify --fix/);
  assert.equal((await runInProcess(["cache", "verify", "--fix"], { env })).code, 0);
  assert.ok(!existsSync(blob));
  hub.clear();
  const again = await runInProcess(["classify", REF, "great fun", "--format", "jsonl"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(hub.requests((q) => q.method === "GET").length, 1, "only the removed file is fetched again");
  assert.equal(sha256(readFileSync(blob)), sha256(bert("onnx/model_quantized.onnx")));

  const rm = await runInProcess(["cache", "rm", "imdb"], { env });
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stderr, /removed arnabdhar\/tinybert-imdb/);
  assert.ok(!existsSync(repoDir(cache, "arnabdhar/tinybert-imdb")));
  // removing what is not cached (a typo, or already gone) is a failure, as `rm` says: the cached one still goes
  const twice = await runInProcess(["cache", "rm", "imdb", REF, "someone/never-pulled"], { env });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^nlp: removed Xenova\/distilbert-base-uncased-finetuned-sst-2-english \(/m);
  assert.match(twice.stderr.trim().split("\n").pop(), /^nlp: arnabdhar\/tinybert-imdb, someone\/never-pulled are not in the cache .*: nothing removed for them \(nlp cache list shows what is\)$/);
  assert.ok(!existsSync(repoDir(cache, SST2)));
  assert.equal((await runInProcess(["pull", REF, "-q"], { env })).code, 0);
  // rm of one revision would delete them all: refused before anything is deleted
  const oneRev = await runInProcess(["cache", "rm", `${SST2}@v1`], { env });
  assert.equal(oneRev.code, 2);
  assert.match(oneRev.stderr, /^nlp: nlp cache rm deletes every revision of a model; \S+@v1 names one: drop "@v1" to delete them all\n$/);
  assert.ok(existsSync(repoDir(cache, SST2)));
  // verify of a model not cached is no "0 files checked, 0 bad" success either
  const unverified = await runInProcess(["cache", "verify", REF, "someone/never-pulled"], { env });
  assert.equal(unverified.code, 1);
  assert.match(unverified.stdout, /^ok\tXenova\/distilbert-base-uncased-finetuned-sst-2-english\t/m);
  assert.match(unverified.stderr.trim().split("\n").pop(), /^nlp: someone\/never-pulled is not in the cache .*: nothing checked for it \(nlp cache list shows what is\)$/);

  const refuse = await runInProcess(["cache", "clear"], { env });
  assert.equal(refuse.code, 2);
  assert.match(refuse.stderr, /--yes/);
  assert.ok(existsSync(repoDir(cache, SST2)));
  assert.equal((await runInProcess(["cache", "clear", "--yes"], { env })).code, 0);
  assert.ok(!existsSync(repoDir(cache, SST2)));
});

test("a cache written in Python's layout is used as is (no request)", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub);
  // what huggingface_hub leaves: blobs named by etag, relative links, refs/main
  const dir = repoDir(cache, "someone/generic-model");
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const files = { "config.json": bert("config.json"), "tokenizer.json": bert("tokenizer.json"), "onnx/model.onnx": bert("onnx/model.onnx") };
  for (const [path, buf] of Object.entries(files)) {
    const blob = join(dir, "blobs", sha256(buf));
    mkdirSync(join(dir, "blobs"), { recursive: true });
    writeFileSync(blob, buf);
    const link = join(dir, "snapshots", commit, path);
    mkdirSync(join(link, ".."), { recursive: true });
    const { symlinkSync } = await import("node:fs");
    const { relative, dirname } = await import("node:path");
    symlinkSync(relative(dirname(link), blob), link);
  }
  mkdirSync(join(dir, "refs"), { recursive: true });
  writeFileSync(join(dir, "refs", "main"), commit);
  const r = await runInProcess(["classify", "someone/generic-model", "hello", "--format", "jsonl"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(hub.log.length, 0);

  // what transformers leaves for a repo without ONNX: offline, the message names only what really is missing
  const { rmSync } = await import("node:fs");
  rmSync(join(dir, "snapshots", commit, "onnx"), { recursive: true });
  const offline = await runInProcess(["classify", "someone/generic-model", "hello", "--offline"], { env });
  assert.equal(offline.code, 1);
  assert.match(offline.stderr, /^nlp: someone\/generic-model is not in the cache \(\S+\): missing an \.onnx file of someone\/generic-model@main; run `nlp pull someone\/generic-model` while online/);
  rmSync(join(dir, "snapshots", commit, "tokenizer.json"));
  const two = await runInProcess(["classify", "someone/generic-model", "hello", "--offline"], { env });
  assert.match(two.stderr, /: missing tokenizer\.json, an \.onnx file of someone\/generic-model@main;/);
  assert.equal(hub.log.length, 0);
});

test("nlp import registers a folder in the user catalog; classify, info and models then know it", async () => {
  const { env, root } = hubEnv(null);
  const folder = join(root, "my-export");
  cpSync(join(FIXTURES, "bert"), folder, { recursive: true });
  const r = await runInProcess(["import", folder, "--as", "en.classify.bert.tickets", "--task", "topic"], { env });
  assert.equal(r.code, 0, r.stderr);
  const saved = JSON.parse(readFileSync(join(root, "config", "nlp", "models.json"), "utf8"));
  assert.equal(saved.models[0].ref, "en.classify.bert.tickets");
  assert.equal(saved.models[0].path, folder);
  const c = await runInProcess(["classify", "en.classify.bert.tickets", "my invoice is wrong", "--format", "jsonl"], { env });
  assert.equal(c.code, 0, c.stderr);
  assert.ok(["NEGATIVE", "POSITIVE"].includes(jsonl(c.stdout)[0].label));
  const info = JSON.parse((await runInProcess(["info", "bert.tickets", "--format", "json"], { env })).stdout);
  assert.equal(info.catalog, "yours (nlp import)");
  const models = JSON.parse((await runInProcess(["models", "tickets", "--format", "json"], { env })).stdout);
  assert.equal(models.length, 1);

  const clash = await runInProcess(["import", folder, "--as", "en.classify.bert.imdb"], { env });
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /built-in model.*--force/);
  const dup = await runInProcess(["import", folder, "--as", "en.classify.bert.tickets"], { env });
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /already imported/);
  const notBundle = await runInProcess(["import", root, "--as", "en.classify.bert.empty"], { env });
  assert.equal(notBundle.code, 1);
  assert.match(notBundle.stderr, /config\.json is missing/);
  // the imported folder moved away: the listing says so instead of "imported" as if it still worked
  assert.equal(JSON.parse((await runInProcess(["models", "tickets", "--format", "json"], { env })).stdout)[0].cached, "imported");
  rmSync(folder, { recursive: true });
  assert.equal(JSON.parse((await runInProcess(["models", "tickets", "--format", "json"], { env })).stdout)[0].cached, "imported, folder gone");
});

test("embedded entries resolve from the package folder with no cache and no network", async () => {
  hub.clear();
  const { env, root, cache } = hubEnv(hub);
  // stand-in for the shipped bundle (issue 5 builds the real one)
  cpSync(join(FIXTURES, "bert"), join(root, "pkg", "models", "en.classify.sentiment.tiny"), { recursive: true });
  const r = await runInProcess(["classify", "sentiment", "a wonderful film", "--format", "jsonl"], { env: { ...env, NLP_EMBEDDED_ROOT: join(root, "pkg") } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonl(r.stdout)[0].text, "a wonderful film");
  assert.equal(hub.log.length, 0);
  assert.ok(!existsSync(cache));
});

test("which first positionals name a model", () => {
  for (const s of ["en.classify.bert.imdb", "imdb", "sentiment", "zero-shot", "en.classify", "Xenova/toxic-bert", "owner/any-model@v1"]) {
    assert.equal(isCatalogOrHubRef(s), true, s);
  }
  for (const s of ["great movie", "it", "de", "n/a", "24/7", "hello", "and/or", "his/her", "", "I loved it."]) assert.equal(isCatalogOrHubRef(s), false, s);
});

test("error messages a user can act on", () => {
  const ctx = { repo: "o/m", revision: "main", path: "onnx/model.onnx", endpoint: "https://huggingface.co", tokenSent: false };
  assert.match(httpFailure(401, { "x-error-code": "GatedRepo" }, ctx).message, /gated.*accept its terms at https:\/\/huggingface\.co\/o\/m.*HF_TOKEN/);
  assert.match(httpFailure(403, {}, { ...ctx, tokenSent: true }).message, /denied \(403\).*accept/);
  assert.match(httpFailure(401, { "x-error-code": "RepoNotFound" }, ctx).message, /not found.*private.*HF_TOKEN/);
  const missing = httpFailure(404, { "x-error-code": "EntryNotFound" }, ctx);
  assert.ok(missing instanceof MissingFileError);
  assert.match(missing.message, /onnx\/model\.onnx of o\/m not found/);
  assert.match(httpFailure(401, {}, { ...ctx, tokenSent: true }).message, /refused your HF_TOKEN/);
  const e = (code) => Object.assign(new Error(code), { code });
  assert.match(fsFailure(e("ENOSPC"), "/c/x", "/c").message, /disk full/);
  assert.match(fsFailure(e("EROFS"), "/c/x", "/c").message, /\/c is not writable.*HF_HUB_CACHE/);
  assert.match(fsFailure(e("EACCES"), "/c/x", "/c").message, /not writable/);
  assert.equal(fsFailure(e("ENOENT"), "/c/x", "/c"), null);
});

test("protocol details: etags, ranges, backoff, folder names, file choice", () => {
  assert.equal(normalizeEtag('W/"abc"'), "abc");
  assert.equal(normalizeEtag('"abc"'), "abc");
  assert.equal(contentRangeStart("bytes 100-199/200"), 100);
  assert.equal(contentRangeStart("bytes */200"), -1);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n)), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(backoffMs(1, "3"), 3000);
  assert.equal(repoFolderName("Xenova/toxic-bert"), "models--Xenova--toxic-bert");
  assert.equal(repoFromFolderName("models--Xenova--toxic-bert"), "Xenova/toxic-bert");
  assert.equal(repoFromFolderName("datasets--a--b"), null);
  const listing = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_quantized.onnx", "README.md"];
  assert.deepEqual(planFromListing("o/m", listing), { required: ["config.json", "tokenizer.json", "onnx/model_quantized.onnx"], optional: ["tokenizer_config.json"] });
  assert.deepEqual(planFromListing("o/m", listing, "fp32").required, ["config.json", "tokenizer.json", "onnx/model.onnx_data", "onnx/model.onnx"]);
  assert.throws(() => planFromListing("o/m", listing, "fp16"), /variant fp16 is not published in o\/m; available: int8, fp32/);
  assert.deepEqual(planFromListing("o/m", ["onnx/config.json", "onnx/tokenizer.json", "onnx/model.onnx"]).required, ["onnx/config.json", "onnx/tokenizer.json", "onnx/model.onnx"]);
});

test("library: load() and pullModel() accept catalog refs and Hub ids (resolvers registered on import)", async () => {
  const { env } = hubEnv(hub);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const { load, pullModel, findEntry, defaultEntry } = await import("../dist/index.js");
    const pulled = await pullModel(REF);
    assert.equal(pulled.repo, SST2);
    assert.ok(pulled.downloaded.includes("onnx/model_quantized.onnx"));
    hub.clear();
    const model = await load("distilbert.sst2");
    const [r] = await model.classify(["A heartwarming and funny movie"]);
    assert.ok(["NEGATIVE", "POSITIVE"].includes(r.label));
    assert.equal(model.resolved.source, "catalog");
    assert.equal(hub.log.length, 0);
    await model.dispose();
    assert.equal(findEntry("zero-shot").task, "zero-shot");
    assert.equal(defaultEntry("zero-shot", "fr").languages[0], "fr");
    assert.equal(findEntry("no.such.thing.here"), undefined);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
