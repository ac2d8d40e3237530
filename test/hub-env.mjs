// Shared setup for the Hub tests: fake repos built from the bert fixture, and a clean environment
// per test (own cache, own config dir, no proxy, no token unless given).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES } from "./helpers.mjs";

export const bert = (p) => readFileSync(join(FIXTURES, "bert", p));
export const commitOf = (s) => createHash("sha1").update(s).digest("hex");

export const C_OLD = commitOf("old");
export const C_NEW = commitOf("new");

const base = () => ({
  "config.json": bert("config.json"),
  "tokenizer.json": bert("tokenizer.json"),
  "tokenizer_config.json": bert("tokenizer_config.json"),
  "onnx/model.onnx": bert("onnx/model.onnx"),
  "onnx/model_quantized.onnx": bert("onnx/model_quantized.onnx"),
});

function withLabels(labels) {
  const cfg = JSON.parse(bert("config.json").toString("utf8"));
  cfg.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  cfg.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  return Buffer.from(JSON.stringify(cfg, null, 2));
}

/** Repos named like real catalog entries, so catalog refs resolve against the fake Hub. */
export function fakeRepos() {
  const sst2New = base();
  const sst2Old = { ...base(), "config.json": withLabels(["neg", "pos"]) };
  return {
    // en.classify.distilbert_sequence.sst2 (standard layout, int8 + fp32); main moved from C_OLD to C_NEW
    "Xenova/distilbert-base-uncased-finetuned-sst-2-english": { refs: { main: C_NEW, v1: C_OLD }, commits: { [C_NEW]: sst2New, [C_OLD]: sst2Old } },
    // en.classify.bert.imdb (root model.onnx, config says LABEL_i, no tokenizer_config.json)
    "arnabdhar/tinybert-imdb": {
      refs: { main: commitOf("imdb") },
      commits: {
        [commitOf("imdb")]: {
          "config.json": withLabels(["LABEL_0", "LABEL_1"]),
          "tokenizer.json": bert("tokenizer.json"),
          "model.onnx": bert("onnx/model_quantized.onnx"),
        },
      },
    },
    // en.classify.bert.toxic: gated
    "Xenova/toxic-bert": { gated: true, refs: { main: commitOf("toxic") }, commits: { [commitOf("toxic")]: base() } },
    // not in the catalog: files chosen from the API listing
    "someone/generic-model": {
      refs: { main: commitOf("generic") },
      commits: { [commitOf("generic")]: { ...base(), "README.md": Buffer.from("# generic\n") } },
    },
    // an empty optional file (modules.json is picked from listings)
    "someone/empty-file": {
      refs: { main: commitOf("empty") },
      commits: { [commitOf("empty")]: { ...base(), "modules.json": Buffer.alloc(0) } },
    },
    "someone/no-onnx": { refs: { main: commitOf("none") }, commits: { [commitOf("none")]: { "config.json": bert("config.json"), "pytorch_model.bin": Buffer.alloc(10) } } },
  };
}

const roots = [];
process.on("exit", () => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A fresh cache and config dir (removed when the test file ends), and the environment that points nlp at them and at the fake Hub. */
export function hubEnv(hub, extra = {}) {
  const root = mkdtempSync(join(tmpdir(), "nlp-hub-"));
  roots.push(root);
  const cache = join(root, "hub");
  return {
    root,
    cache,
    env: {
      HF_ENDPOINT: hub ? hub.endpoint : "http://127.0.0.1:9",
      HF_HUB_CACHE: cache,
      HF_HOME: join(root, "hf-home"),
      XDG_CONFIG_HOME: join(root, "config"),
      HF_TOKEN: "",
      HUGGING_FACE_HUB_TOKEN: "",
      HF_HUB_OFFLINE: "",
      HTTP_PROXY: "",
      HTTPS_PROXY: "",
      http_proxy: "",
      https_proxy: "",
      NO_PROXY: "",
      no_proxy: "",
      NLP_DEFAULT_MODEL: "",
      ...extra,
    },
  };
}

export const SST2 = "Xenova/distilbert-base-uncased-finetuned-sst-2-english";
export const repoDir = (cache, repo) => join(cache, `models--${repo.replace("/", "--")}`);
