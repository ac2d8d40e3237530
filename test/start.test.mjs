// Issue 12 item 5: a command imports only what it uses. The bin runs under a preload that logs every module
// the process loads (test/fixtures/log-loaded-modules.mjs); commands that run no model must not load ONNX
// Runtime, the tokenizer, the CSV packages or the spinner; `models` and `info` only read the cache, so they load
// no HTTP client (undici) and no lock (proper-lockfile) either.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runCli, runInProcess } from "./helpers.mjs";

const HEAVY = ["onnxruntime-node", "@huggingface/tokenizers", "csv-parse", "csv-stringify", "ora"];
const NETWORK = ["undici", "proper-lockfile"];
const HOOK = join(ROOT, "test", "fixtures", "log-loaded-modules.mjs");
const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");

/** Runs `nlp ...args`; resolves its exit code and the set of npm packages it loaded. */
async function packagesLoadedBy(args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "nlp-start-"));
  const log = join(dir, "loaded.txt");
  try {
    const r = await runCli(args, { env: { NODE_OPTIONS: `--import=${HOOK}`, NLP_LOADED_LOG: log, HOME: dir, XDG_CONFIG_HOME: dir, HF_HOME: dir, ...env } });
    const packages = new Set();
    const own = new Set();
    for (const url of readFileSync(log, "utf8").split("\n")) {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (m) packages.add(m[1]);
      const d = /\/dist\/(.+)\.js$/.exec(url);
      if (d && !url.includes("/node_modules/")) own.add(d[1]);
    }
    return { code: r.code, stderr: r.stderr, stdout: r.stdout, packages, own };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CACHE_ONLY = [["models"], ["info", "en.classify.sentiment.tiny"], ["info", "sst2"], ["info", "de.classify.bert.sentiment"], ["info", EMBEDDED]];
for (const args of [["--version"], ["--help"], ...CACHE_ONLY]) {
  const forbidden = CACHE_ONLY.includes(args) ? [...HEAVY, ...NETWORK] : HEAVY;
  test(`nlp ${args.join(" ")} loads none of ${forbidden.join(", ")}`, async () => {
    const { code, stderr, packages } = await packagesLoadedBy(args);
    assert.equal(code, 0, stderr);
    if (args[0] !== "--version") assert.ok(packages.has("commander"), "the preload saw the modules the bin loads");
    assert.deepEqual(forbidden.filter((p) => packages.has(p)), []);
  });
}

test("the check sees what a model run loads: nlp classify loads ONNX Runtime and the tokenizer", async () => {
  const { code, stderr, packages } = await packagesLoadedBy(["classify", "-m", EMBEDDED, "A fine film"]);
  assert.equal(code, 0, stderr);
  assert.ok(packages.has("onnxruntime-node"));
  assert.ok(packages.has("@huggingface/tokenizers"));
});

test("string-width (7 modules, ~8 ms) loads only when a table is printed", async () => {
  const jsonl = await packagesLoadedBy(["classify", "-m", EMBEDDED, "A fine film"]);
  assert.equal(jsonl.code, 0, jsonl.stderr);
  assert.ok(!jsonl.packages.has("string-width"), "JSONL output loaded string-width");
  const table = await packagesLoadedBy(["classify", "-m", EMBEDDED, "--format", "table", "A fine film"]);
  assert.equal(table.code, 0, table.stderr);
  assert.ok(table.packages.has("string-width"));
  assert.match(table.stdout, /^text +label +score\n/);
});

test("nlp classify \"…\" registers only its own command and loads no embedding or token-classification code", async () => {
  const { code, stderr, own } = await packagesLoadedBy(["classify", "-m", EMBEDDED, "A fine film"]);
  assert.equal(code, 0, stderr);
  assert.ok(own.has("cli/commands/classify") && own.has("tasks/classify/classifier"), "the preload saw nlp's own modules");
  const others = ["tokenize", "models", "info", "pull", "cache", "import", "eval", "ner", "embed", "similarity", "search", "rerank"];
  const unused = [...others.map((c) => `cli/commands/${c}`), "model/load-embedder", "tasks/embed/embedder", "engine/feature-session", "tasks/ner/token-classifier"];
  assert.deepEqual(unused.filter((m) => own.has(m)), []);
});

test("nlp --help and a mistyped command still see every command", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  for (const c of ["classify", "tokenize", "models", "info", "pull", "cache", "import", "eval", "ner", "embed", "similarity", "search", "rerank"]) {
    assert.match(help.stdout, new RegExp(`^  ${c} `, "m"));
  }
  const typo = await runCli(["rerang", "q", "d"]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command 'rerang' \(did you mean rerank\?\)\n$/);
});

test("the check sees what a download loads: nlp pull loads undici and proper-lockfile (offline: it stops before any request)", async () => {
  const { code, stderr, packages } = await packagesLoadedBy(["pull", "sst2"], { HF_HUB_OFFLINE: "1" });
  assert.equal(code, 1, stderr);
  assert.match(stderr, /offline/);
  assert.deepEqual(NETWORK.filter((p) => packages.has(p)), NETWORK);
});

test("the embedded graph, saved pre-optimised for a fast start, gives bitwise the logits of the graph as trained", async () => {
  // embedded-logits.jsonl was written by `nlp classify --function none --all-scores` with the graph as trained
  // (training/quantize.py's output, sha256 291c2088…) before training/preoptimise.mjs replaced it
  const r = await runCli(["classify", "-m", EMBEDDED, "--function", "none", "--all-scores", "--format", "jsonl", "-f", join(ROOT, "test", "fixtures", "embedded-logits.txt")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(ROOT, "test", "fixtures", "embedded-logits.jsonl"), "utf8"));
});

test("texts given as arguments (a session opened for a fast start) get bitwise the scores a stream gets", async () => {
  // the argument path opens its session without spinning threads (engine/session.ts ortSessionOptions): the
  // same thread count splits the work alike, so the logits must not move by a bit; all 872 SST-2 dev sentences
  // were compared the same way (docs/performance.md)
  const file = join(ROOT, "test", "fixtures", "embedded-logits.txt");
  const texts = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const flags = ["classify", "-m", EMBEDDED, "--function", "none", "--all-scores", "--format", "jsonl"];
  const args = await runCli([...flags, "--", ...texts]);
  assert.equal(args.code, 0, args.stderr);
  assert.equal(args.stdout, readFileSync(join(ROOT, "test", "fixtures", "embedded-logits.jsonl"), "utf8"));
  const one = await runCli([...flags, texts[0]]);
  assert.equal(one.stdout, args.stdout.split("\n")[0] + "\n");
});

test("nlp embed: texts as arguments (fast start) give bitwise the float32 vectors a stream gives", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-start-embed-"));
  try {
    const model = join(ROOT, "test", "fixtures", "hf-embed", "bert");
    const texts = ["A fine film", "Dull and long", "It is a film."];
    const args = await runCli(["embed", "-m", model, "-o", join(dir, "args.npy"), ...texts]);
    const stream = await runCli(["embed", "-m", model, "-o", join(dir, "stream.npy")], { input: texts.join("\n") + "\n" });
    assert.equal(args.code, 0, args.stderr);
    assert.equal(stream.code, 0, stream.stderr);
    const a = readFileSync(join(dir, "args.npy"));
    assert.ok(a.length > 3 * 4 * 8, "three vectors written");
    assert.deepEqual(a, readFileSync(join(dir, "stream.npy")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the CLI opens the session for a fast start when the texts are arguments, not for a stream", async () => {
  const { loadModelForCli } = await import(join(ROOT, "dist", "cli", "runtime.js"));
  const { processIO } = await import(join(ROOT, "dist", "cli", "io.js"));
  const seen = [];
  const loader = async (ref, opts) => (seen.push(opts.fastStart), {});
  await loadModelForCli(loader, { model: EMBEDDED }, ["A fine film"], processIO());
  await loadModelForCli(loader, { model: EMBEDDED }, [], processIO());
  // the first positional names the model: no text is left, the texts come from a stream
  await loadModelForCli(loader, {}, [EMBEDDED], processIO());
  // rerank: a query alone reads its documents from a stream
  const rerankArgs = (rest) => rest.length > 1;
  await loadModelForCli(loader, { model: EMBEDDED }, ["query"], processIO(), undefined, rerankArgs);
  await loadModelForCli(loader, { model: EMBEDDED }, ["query", "a document"], processIO(), undefined, rerankArgs);
  assert.deepEqual(seen, [true, false, false, false, true]);
});

test("nlp --version answers before loading the CLI with what commander prints, the version in package.json", async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const flag of ["--version", "-V"]) {
    const bin = await runCli([flag]);
    const commander = await runInProcess([flag]);
    assert.equal(bin.code, 0);
    assert.equal(bin.stdout, `${version}\n`);
    assert.equal(commander.stdout, bin.stdout);
  }
  const { packages } = await packagesLoadedBy(["--version"]);
  assert.ok(!packages.has("commander"), "the --version fast path loads no CLI");
});
