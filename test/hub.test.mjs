// Downloads against a fake Hub on 127.0.0.1: first download, cache layout shared with Python,
// zero requests when cached, offline, revision pinning, variant-only files, token handling.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, runInProcess, jsonl } from "./helpers.mjs";
import { startFakeHub, sha256 } from "./fake-hub.mjs";
import { C_NEW, C_OLD, SST2, bert, commitOf, fakeRepos, hubEnv, repoDir } from "./hub-env.mjs";

let hub;
before(async () => {
  hub = await startFakeHub({ repos: fakeRepos() });
});
after(() => hub.close());

const SST2_REF = "en.classify.distilbert_sequence.sst2";

test("first download: the variant's files only, in the huggingface_hub layout, token to the Hub host only", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub, { HF_TOKEN: hub.token });
  const r = await runInProcess(["pull", SST2_REF], { env });
  assert.equal(r.code, 0, r.stderr);
  const dir = join(repoDir(cache, SST2), "snapshots", C_NEW);
  assert.equal(r.stdout.trim(), dir);

  // refs/main holds the commit; snapshot entries are relative links into blobs/
  assert.equal(readFileSync(join(repoDir(cache, SST2), "refs", "main"), "utf8"), C_NEW);
  const graph = join(dir, "onnx", "model_quantized.onnx");
  assert.ok(lstatSync(graph).isSymbolicLink());
  const sha = sha256(bert("onnx/model_quantized.onnx"));
  assert.equal(readlinkSync(graph), join("..", "..", "..", "blobs", sha));
  assert.deepEqual(readFileSync(graph), bert("onnx/model_quantized.onnx"));
  assert.deepEqual(readFileSync(join(dir, "config.json")), bert("config.json"));
  assert.ok(existsSync(join(dir, "tokenizer_config.json")));

  // int8 is the default variant: the fp32 graph is never asked for
  assert.ok(!existsSync(join(dir, "onnx", "model.onnx")));
  assert.equal(hub.requests((q) => q.url.includes("model.onnx") && !q.url.includes("quantized")).length, 0);
  const blobs = readdirSync(join(repoDir(cache, SST2), "blobs"));
  assert.equal(blobs.filter((b) => b.endsWith(".incomplete")).length, 0);
  assert.ok(!blobs.includes(sha256(bert("onnx/model.onnx"))));

  // large files come from the storage host, which never sees the token; the Hub host does
  const cdn = hub.requests((q) => q.server === "cdn");
  assert.ok(cdn.length >= 2, "large files were redirected");
  for (const q of cdn) assert.equal(q.headers.authorization, undefined);
  for (const q of hub.requests((q) => q.server === "hub")) assert.equal(q.headers.authorization, `Bearer ${hub.token}`);
  assert.ok(!r.stderr.includes(hub.token) && !r.stdout.includes(hub.token));
});

test("huggingface.co's redirect of small files to /api/resolve-cache/… is followed (a different Hub path would be refused)", async () => {
  hub.clear();
  hub.resolveCache = true;
  try {
    const { env, cache } = hubEnv(hub, { HF_TOKEN: hub.token });
    const r = await runInProcess(["pull", "someone/generic-model", "-q"], { env });
    assert.equal(r.code, 0, r.stderr);
    const commit = commitOf("generic");
    const cachedHeads = hub.requests((q) => q.method === "HEAD" && q.url.startsWith(`/api/resolve-cache/models/someone/generic-model/${commit}/`));
    assert.ok(cachedHeads.some((q) => q.url.startsWith(`/api/resolve-cache/models/someone/generic-model/${commit}/config.json?`)), "config.json came through the resolve-cache");
    assert.equal(readFileSync(join(repoDir(cache, "someone/generic-model"), "snapshots", commit, "config.json"), "utf8"), bert("config.json").toString("utf8"));
    // the redirect stays on the Hub: the token goes along, as to the Hub itself
    assert.ok(cachedHeads.every((q) => q.headers.authorization === `Bearer ${hub.token}`));
  } finally {
    hub.resolveCache = false;
  }
});

test("a cached model loads with zero requests, online or offline; --variant fp32 fetches only its graph", async () => {
  const { env } = hubEnv(hub);
  assert.equal((await runInProcess(["pull", SST2_REF, "-q"], { env })).code, 0);
  hub.clear();
  const r = await runInProcess(["classify", SST2_REF, "A heartwarming and funny movie", "--format", "jsonl"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonl(r.stdout)[0].label, "POSITIVE");
  const off = await runInProcess(["classify", "-m", SST2_REF, "--offline", "boring and bad", "--format", "jsonl"], { env: { ...env, HF_HUB_OFFLINE: "1" } });
  assert.equal(off.code, 0, off.stderr);
  assert.equal(hub.log.length, 0, `no request expected, got ${hub.log.map((q) => q.url).join(", ")}`);

  const fp32 = await runInProcess(["pull", SST2_REF, "--variant", "fp32", "-q"], { env });
  assert.equal(fp32.code, 0, fp32.stderr);
  const gets = hub.requests((q) => q.method === "GET").map((q) => q.url);
  assert.ok(gets.some((u) => u.includes(sha256(bert("onnx/model.onnx")))), "fp32 graph downloaded");
  assert.ok(!gets.some((u) => u.includes(sha256(bert("onnx/model_quantized.onnx")))), "int8 graph not downloaded again");
  assert.ok(!gets.some((u) => u.endsWith("/config.json")), "config.json not downloaded again");
});

test("offline with an empty cache: fails naming the missing files and the nlp pull to run, with no request", async () => {
  hub.clear();
  const { env } = hubEnv(hub, { HF_HUB_OFFLINE: "1" });
  const r = await runInProcess(["classify", "en.classify.bert.imdb", "great"], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /model\.onnx/);
  assert.match(r.stderr, /nlp pull en\.classify\.bert\.imdb/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  const r2 = await runInProcess(["pull", "en.classify.bert.imdb"], { env });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /offline/);
  assert.equal(hub.log.length, 0);
});

test("revision pinning: @commit, --revision tag and main give their own snapshots and labels", async () => {
  const { env, cache } = hubEnv(hub);
  const old = await runInProcess(["classify", `${SST2}@${C_OLD}`, "lovely film", "--format", "jsonl"], { env });
  assert.equal(old.code, 0, old.stderr);
  assert.ok(["neg", "pos"].includes(jsonl(old.stdout)[0].label), "labels of the old commit");
  assert.ok(existsSync(join(repoDir(cache, SST2), "snapshots", C_OLD)));
  assert.ok(!existsSync(join(repoDir(cache, SST2), "refs", "main")), "pinning a commit does not touch refs/main");

  const tag = await runInProcess(["pull", SST2_REF, "--revision", "v1", "-q"], { env });
  assert.equal(tag.code, 0, tag.stderr);
  assert.equal(readFileSync(join(repoDir(cache, SST2), "refs", "v1"), "utf8"), C_OLD);

  const now = await runInProcess(["classify", SST2_REF, "lovely film", "--format", "jsonl"], { env });
  assert.ok(["NEGATIVE", "POSITIVE"].includes(jsonl(now.stdout)[0].label), "main has the new labels");
  assert.equal(readFileSync(join(repoDir(cache, SST2), "refs", "main"), "utf8"), C_NEW);

  // two different revisions for one model is a usage error, not a silent pick; the same one twice is fine
  hub.clear();
  for (const args of [["pull", `${SST2}@main`, "--revision", "v1"], ["classify", "-m", "someone/generic-model@main", "--revision", "v1", "hi"], ["info", "someone/generic-model@main", "--revision", "v1"]]) {
    const both = await runInProcess(args, { env });
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /^nlp: \S+@main pins revision "main" but --revision asks for "v1": give only one\n$/);
  }
  assert.equal(hub.log.length, 0, "refused before any request");
  assert.equal((await runInProcess(["pull", `${SST2}@v1`, "--revision", "v1", "-q"], { env })).code, 0);

  // --revision on a model that has none (a folder, a model shipped in the package) is not silently dropped
  const folder = join(FIXTURES, "bert");
  const cases = [
    [["classify", "-m", folder, "hi", "--revision", "v1"], /^nlp: \S+bert is a folder, not a Hub model: it has no --revision; drop it\n$/],
    [["pull", "sentiment", "--revision", "v1"], /^nlp: sentiment is shipped inside the package, not a Hub model: it has no --revision; drop it\n$/],
    [["info", "sentiment", "--revision", "v1"], /^nlp: sentiment is shipped inside the package, not a Hub model: it has no --revision; drop it\n$/],
    [["info", folder, "--revision", "v1"], /^nlp: \S+bert is a folder, not a Hub model: it has no --revision; drop it\n$/],
    // and pulling a folder says it is one, not "neither a folder here nor …"
    [["pull", folder], /^nlp: \S+bert is a folder on disk, not a Hub model or catalog reference: use it as it is \(-m \S+bert\), or give it a name with `nlp import`\n$/],
  ];
  for (const [args, message] of cases) {
    const r = await runInProcess(args, { env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test("catalog labels replace LABEL_i; an optional file the repo lacks is remembered in .no_exist", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub);
  const r = await runInProcess(["classify", "en.classify.bert.imdb", "what a great film", "--format", "jsonl", "--all-scores"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(jsonl(r.stdout)[0].scores).sort(), ["NEGATIVE", "POSITIVE"]);
  const commit = commitOf("imdb");
  assert.ok(existsSync(join(repoDir(cache, "arnabdhar/tinybert-imdb"), ".no_exist", commit, "tokenizer_config.json")));
  hub.clear();
  const again = await runInProcess(["classify", "imdb", "what a great film", "--format", "jsonl"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(hub.log.length, 0, "the missing optional file is not asked for again");
});

test("any owner/name repo: files picked from the listing, then usable as a positional and offline", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub);
  const r = await runInProcess(["pull", "someone/generic-model"], { env });
  assert.equal(r.code, 0, r.stderr);
  const dir = join(repoDir(cache, "someone/generic-model"), "snapshots", commitOf("generic"));
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "onnx", "tokenizer.json", "tokenizer_config.json"]);
  assert.deepEqual(readdirSync(join(dir, "onnx")), ["model_quantized.onnx"]);
  assert.equal(hub.requests((q) => q.url.includes("README")).length, 0);
  hub.clear();
  const c = await runInProcess(["classify", "someone/generic-model", "nice", "--format", "jsonl"], { env: { ...env, HF_HUB_OFFLINE: "1" } });
  assert.equal(c.code, 0, c.stderr);
  assert.equal(jsonl(c.stdout).length, 1);
  assert.equal(hub.log.length, 0);
});

test("an empty file in a repo (0 bytes) is cached like any other, not an 'unexpected error: ENOENT'", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub);
  const r = await runInProcess(["pull", "someone/empty-file", "-q"], { env });
  assert.equal(r.code, 0, r.stderr);
  const file = join(repoDir(cache, "someone/empty-file"), "snapshots", commitOf("empty"), "modules.json");
  assert.equal(readFileSync(file).length, 0);
  assert.ok(lstatSync(file).isSymbolicLink());
});

test("nlp pull of a model already up to date writes nothing (so it works on a read-only shared cache)", async () => {
  hub.clear();
  const { env, cache } = hubEnv(hub);
  // imdb has no tokenizer_config.json: its .no_exist marker must not be rewritten either
  assert.equal((await runInProcess(["pull", SST2_REF, "imdb", "-q"], { env })).code, 0);
  const state = () => {
    const out = [];
    const walk = (d) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        const st = lstatSync(p);
        out.push(`${p} ${st.ino} ${st.mtimeMs}`);
        if (st.isDirectory()) walk(p);
      }
    };
    walk(cache);
    return out.sort();
  };
  const before = state();
  const again = await runInProcess(["pull", SST2_REF, "imdb"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already up to date/);
  assert.deepEqual(state(), before, "no file replaced, created or touched");
});

test("a token with a stray line break is cleaned as huggingface_hub does; one that cannot be a token is a usage error that does not print it", async () => {
  hub.clear();
  const ok = await runInProcess(["pull", "Xenova/toxic-bert", "-q"], { env: hubEnv(hub, { HF_TOKEN: `hf_test\r\n_token` }).env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(hub.requests((q) => q.headers.authorization).every((q) => q.headers.authorization === `Bearer ${hub.token}`));
  for (const bad of ["hf_SECRET token", "hf_SECRET€"]) {
    hub.clear();
    const r = await runInProcess(["pull", "someone/generic-model"], { env: hubEnv(hub, { HF_TOKEN: bad }).env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "nlp: the token in HF_TOKEN has a character no Hugging Face token has (a blank, control character or non-ASCII letter); copy it again from https://huggingface.co/settings/tokens\n");
    assert.equal(hub.log.length, 0);
  }
});

test("gated repo: 401 without a token says to set HF_TOKEN and accept the terms; with the token it works", async () => {
  const { env } = hubEnv(hub);
  const r = await runInProcess(["pull", "toxicity"], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gated/);
  assert.match(r.stderr, /HF_TOKEN/);
  assert.match(r.stderr, /accept/);
  const ok = await runInProcess(["pull", "toxicity", "-q"], { env: { ...env, HF_TOKEN: hub.token } });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(!ok.stderr.includes(hub.token));
});

test("404s: unknown repo, repo without ONNX, unknown revision; unreachable host", async () => {
  const { env } = hubEnv(hub);
  const missing = await runInProcess(["pull", "someone/does-not-exist"], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not found/);
  assert.match(missing.stderr, /HF_TOKEN/);
  const noOnnx = await runInProcess(["pull", "someone/no-onnx"], { env });
  assert.equal(noOnnx.code, 1);
  assert.match(noOnnx.stderr, /no ONNX export/);
  const rev = await runInProcess(["pull", `${SST2}@no-such-branch`], { env });
  assert.equal(rev.code, 1);
  assert.match(rev.stderr, /revision "no-such-branch" not found/);
  const down = await runInProcess(["pull", SST2_REF], { env: { ...env, HF_ENDPOINT: "http://127.0.0.1:9" } });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach 127\.0\.0\.1:9/);
  assert.match(down.stderr, /--offline/);
  for (const x of [missing, noOnnx, rev, down]) assert.equal(x.stderr.trim().split("\n").length, 1, x.stderr);
});

test("a variant the catalog entry does not publish is a usage error (exit 2)", async () => {
  const { env } = hubEnv(hub);
  const r = await runInProcess(["pull", "en.classify.bert.imdb", "--variant", "int8"], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no int8 variant; available: fp32/);
});
