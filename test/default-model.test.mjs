// The model used when none is named: NLP_DEFAULT_MODEL, else the user config
// file, else the sentiment model shipped in models/ — with no network and an
// empty cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fixture, runInProcess, jsonl } from "./helpers.mjs";
import { defaultModel, embeddedModelDir, userConfigPath } from "../dist/catalog/default-model.js";

const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");

/** A clean environment: empty config dir and cache, offline, no default set. */
function cleanEnv(extra = {}) {
  const home = mkdtempSync(join(tmpdir(), "nlp-default-"));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, "config"), HF_HOME: join(home, "hf"), HF_HUB_OFFLINE: "1", ...extra };
  delete env.NLP_DEFAULT_MODEL;
  delete env.XDG_CACHE_HOME;
  return Object.assign(env, extra);
}

test("the embedded model is found relative to the installed package", () => {
  assert.equal(embeddedModelDir(), EMBEDDED);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx", "README.md"]) {
    assert.ok(existsSync(join(EMBEDDED, f)), `${f} missing from the embedded bundle`);
  }
});

test("precedence: NLP_DEFAULT_MODEL, then the config file, then the embedded model", () => {
  const env = cleanEnv();
  assert.deepEqual(defaultModel(env), { ref: EMBEDDED, from: "embedded" });
  assert.equal(userConfigPath(env), join(env.XDG_CONFIG_HOME, "nlp", "config.json"));
  mkdirSync(join(env.XDG_CONFIG_HOME, "nlp"), { recursive: true });
  writeFileSync(userConfigPath(env), JSON.stringify({ defaultModel: "sst2" }));
  assert.deepEqual(defaultModel(env), { ref: "sst2", from: "config" });
  assert.deepEqual(defaultModel({ ...env, NLP_DEFAULT_MODEL: "./mine" }), { ref: "./mine", from: "NLP_DEFAULT_MODEL" });
  // a config file without defaultModel (other settings only) leaves the embedded default
  writeFileSync(userConfigPath(env), "{}");
  assert.equal(defaultModel(env).from, "embedded");
  writeFileSync(userConfigPath(env), "{not json");
  assert.throws(() => defaultModel(env), { name: "UsageError", message: /config\.json is not valid JSON.*fix it or delete it/ });
  writeFileSync(userConfigPath(env), JSON.stringify({ defaultModel: 3 }));
  assert.throws(() => defaultModel(env), { name: "UsageError", message: /"defaultModel" must be/ });
});

test("nlp classify with no model answers offline with the embedded sentiment model", async () => {
  const { code, stdout, stderr } = await runInProcess(
    ["classify", "--format", "jsonl", "a warm , funny and beautifully acted film", "a dull , lifeless and boring mess"],
    { env: cleanEnv() },
  );
  assert.equal(code, 0, stderr);
  const [pos, neg] = jsonl(stdout);
  assert.equal(pos.label, "POSITIVE");
  assert.equal(neg.label, "NEGATIVE");
});

test("NLP_DEFAULT_MODEL and the config file pick the model when -m is absent", async () => {
  const text = "A heartwarming and funny movie";
  const explicit = await runInProcess(["classify", "--format", "jsonl", "-m", fixture("bert"), text], { env: cleanEnv() });
  assert.equal(explicit.code, 0, explicit.stderr);
  const viaEnv = await runInProcess(["classify", "--format", "jsonl", text], { env: cleanEnv({ NLP_DEFAULT_MODEL: fixture("bert") }) });
  assert.equal(viaEnv.stdout, explicit.stdout);
  const env = cleanEnv();
  mkdirSync(join(env.XDG_CONFIG_HOME, "nlp"), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME, "nlp", "config.json"), JSON.stringify({ defaultModel: fixture("bert") }));
  const viaConfig = await runInProcess(["classify", "--format", "jsonl", text], { env });
  assert.equal(viaConfig.stdout, explicit.stdout);
  // the embedded model scores differently from the random fixture: the override really took effect
  const embedded = await runInProcess(["classify", "--format", "jsonl", text], { env: cleanEnv() });
  assert.notEqual(embedded.stdout, explicit.stdout);
});
