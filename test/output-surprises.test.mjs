// Issue 10, output side: no silent surprises in what nlp prints and how it ends.
// A mistyped model reference as first positional, streaming tables, clean interrupts,
// the truncation notice, `nlp models` within the terminal, load() with no argument,
// a warning-free `npm ci`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { load } from "../dist/index.js";
import { editDistance } from "../dist/catalog/suggest.js";
import { BIN, ROOT, fixture, runInProcess, jsonl } from "./helpers.mjs";

const M = fixture("distilbert");

/** An empty config dir and cache, offline, no default model set. */
function cleanEnv(extra = {}) {
  const home = mkdtempSync(join(tmpdir(), "nlp-out-"));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, "config"), HF_HOME: join(home, "hf"), HF_HUB_OFFLINE: "1", NLP_DEFAULT_MODEL: "", ...extra };
  return env;
}

/** A CLI run whose stdin stays open: the test feeds it and watches stdout as it comes. */
function liveCli(args, env = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters = [];
  child.stdout.on("data", (d) => {
    stdout += d.toString("utf8");
    for (const w of [...waiters]) if (w.test(stdout)) w.resolve();
  });
  child.stderr.on("data", (d) => (stderr += d.toString("utf8")));
  const closed = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    closed,
    /** resolves when stdout satisfies `test`, rejects after `ms` with what was seen */
    until(test, ms = 20000) {
      if (test(stdout)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; stdout so far:\n${stdout}\nstderr:\n${stderr}`)), ms);
        waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

// --- item 3: a mistyped reference in first position ---------------------------------------------

test("a first argument one edit away from a catalog reference is a usage error with the suggestion", async () => {
  const r = await runInProcess(["classify", "--format", "jsonl", "en.clasify.imdb", "great"], { env: cleanEnv() });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^nlp: .*"en\.clasify\.imdb".*did you mean en\.classify\.imdb\?/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  // the same typo with -m gets the same suggestion
  const m = await runInProcess(["classify", "-m", "en.clasify.imdb", "great"], { env: cleanEnv() });
  assert.equal(m.code, 2);
  assert.match(m.stderr, /did you mean en\.classify\.imdb\?/);
  // dotted texts that are nowhere near a reference are still texts
  const ok = await runInProcess(["classify", "-m", M, "--format", "jsonl", "e.g.", "node.js", "great"], { env: cleanEnv() });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(jsonl(ok.stdout).map((o) => o.text), ["e.g.", "node.js", "great"]);
  // a swap of two letters is one typo
  assert.equal(editDistance("imbd", "imdb"), 1);
  const swapped = await runInProcess(["classify", "en.classify.bert.imbd", "great"], { env: cleanEnv() });
  assert.equal(swapped.code, 2);
  assert.match(swapped.stderr, /did you mean en\.classify\.bert\.imdb\?/);
  const plain = await runInProcess(["classify", "-m", M, "--format", "jsonl", "en.clasify.imdb"], { env: cleanEnv() });
  assert.equal(plain.code, 0, "with -m the first argument is a text, whatever it looks like");
});

// --- item 16: load() with no argument ----------------------------------------------------------

test("load() with no argument loads the default model, as the CLI does", async () => {
  const saved = process.env.NLP_DEFAULT_MODEL;
  delete process.env.NLP_DEFAULT_MODEL;
  try {
    const model = await load();
    try {
      assert.equal(model.info.dir, join(ROOT, "models", "en.classify.sentiment.tiny"));
      const [r] = await model.classify("a warm , funny and beautifully acted film");
      assert.equal(r.label, "POSITIVE");
    } finally {
      await model.dispose();
    }
    process.env.NLP_DEFAULT_MODEL = M;
    const viaEnv = await load(undefined, { variant: "fp32" });
    assert.equal(viaEnv.info.dir, M);
    await viaEnv.dispose();
  } finally {
    if (saved === undefined) delete process.env.NLP_DEFAULT_MODEL;
    else process.env.NLP_DEFAULT_MODEL = saved;
  }
});

// --- item 6: tables stream ---------------------------------------------------------------------

test("--format table prints rows as they are scored, before the input ends", async () => {
  const run = liveCli(["classify", "-m", M, "--format", "table"]);
  try {
    run.child.stdin.write("first streamed line\nsecond streamed line\n");
    await run.until((s) => s.includes("second streamed line"));
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^text +label +score$/);
    assert.match(lines[2], /^first streamed line +(POSITIVE|NEGATIVE) +0\.\d{4}$/);
  } finally {
    run.child.stdin.end();
  }
  const { code } = await run.closed;
  assert.equal(code, 0, run.stderr);
});

test("table: fixed column widths within the terminal, long texts cut with …, no rules between rows", async () => {
  const long = "word ".repeat(60).trim();
  const r = await runInProcess(["classify", "-m", M, "--format", "table", "short", long, "mid length text"], { env: { COLUMNS: "72" } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2 + 3, r.stdout);
  for (const l of lines) assert.ok(l.length <= 72, `line of ${l.length} > 72: ${l}`);
  assert.match(lines[1], /^[─ ]+$/);
  // the label and score columns start at the same place on every row
  const at = (l) => l.search(/(POSITIVE|NEGATIVE) +0\.\d{4}$/);
  assert.equal(new Set(lines.slice(2).map(at)).size, 1, r.stdout);
  assert.match(lines[3], /^word word .*…/);
});

// --- item 13: nlp models within the terminal ---------------------------------------------------

test("nlp models fits an 80-column terminal and draws no rule between rows", async () => {
  const r = await runInProcess(["models", "--format", "table"], { env: { ...cleanEnv(), COLUMNS: "80" } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.ok(lines.length > 20, r.stdout);
  for (const l of lines) assert.ok(l.length <= 80, `line of ${l.length} > 80: ${l}`);
  const rules = lines.filter((l) => /^[\s─┼├┤┌┐└┘┬┴│+\-=]+$/.test(l));
  assert.equal(rules.length, 1, `one rule under the header, got:\n${rules.join("\n")}`);
  assert.match(lines[0], /^ref +task/);
  assert.ok(lines.some((l) => l.startsWith("en.classify.bert.imdb ")), "refs are never cut");
});

// --- item 8: interrupts ------------------------------------------------------------------------

for (const [signal, format] of [
  ["SIGINT", "json"],
  ["SIGTERM", "csv"],
]) {
  test(`${signal} during --format ${format}: records so far, output closed cleanly, exit 130`, async () => {
    const run = liveCli(["classify", "-m", M, "--format", format]);
    run.child.stdin.write("one\ntwo\nthree\n");
    await run.until((s) => s.includes("three"));
    run.child.kill(signal);
    const { code } = await run.closed;
    assert.equal(code, 130, `code ${code}; stderr: ${run.stderr}`);
    assert.match(run.stderr, /^nlp: interrupted after 3 records\n$/m);
    if (format === "json") {
      const arr = JSON.parse(run.stdout);
      assert.deepEqual(arr.map((r) => r.text), ["one", "two", "three"]);
    } else {
      assert.ok(run.stdout.endsWith("\n"));
      assert.deepEqual(parse(run.stdout, { columns: true }).map((r) => r.text), ["one", "two", "three"]);
    }
  });
}

// --- item 11: the truncation notice ------------------------------------------------------------

test("one stderr line says how many texts were cut at the model's limit", async () => {
  const long = "word ".repeat(600);
  const input = ["short one", long, "short two", long + "more"].join("\n") + "\n";
  const r = await runInProcess(["classify", "-m", M, "--format", "jsonl"], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonl(r.stdout).length, 4);
  assert.match(r.stderr, /^nlp: 2 of 4 texts were longer than the model's 512 tokens and were cut; see --long chunk\|sentences$/m);
  assert.equal(r.stderr.match(/were cut/g).length, 1);
  const lowered = await runInProcess(["classify", "-m", M, "--format", "jsonl", "--max-length", "8"], { input: "short one\nnot short at all, this one has more than eight tokens\n" });
  assert.match(lowered.stderr, /^nlp: 1 of 2 texts was longer than --max-length 8 tokens and was cut; see --long chunk\|sentences$/m);
  const none = await runInProcess(["classify", "-m", M, "--format", "jsonl"], { input: "short one\nshort two\n" });
  assert.doesNotMatch(none.stderr, /were cut/);
  const quiet = await runInProcess(["classify", "-m", M, "--format", "jsonl", "-q"], { input });
  assert.equal(quiet.stderr, "");
  const chunked = await runInProcess(["classify", "-m", M, "--format", "jsonl", "--long", "chunk"], { input });
  assert.doesNotMatch(chunked.stderr, /were cut/);
});

// --- item 15: npm ci without warnings, no CUDA download ----------------------------------------

test("npm config: no unknown .npmrc keys; every install script in the lockfile is judged in allowScripts", () => {
  const npmrc = join(ROOT, ".npmrc");
  if (existsSync(npmrc)) {
    assert.doesNotMatch(readFileSync(npmrc, "utf8"), /onnxruntime-node-install/, "npm 11 warns on this unknown project config");
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path && p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
  assert.ok(withScripts.includes("onnxruntime-node"));
  for (const name of withScripts) assert.ok(name in (pkg.allowScripts ?? {}), `${name} has an install script not judged in package.json allowScripts`);
  // the CPU binaries ship in the package: its postinstall only fetches CUDA libraries
  assert.equal(pkg.allowScripts["onnxruntime-node"], false);
  // npm before 11.16 ignores allowScripts: CI still skips the download through the environment
  assert.match(readFileSync(join(ROOT, ".ci", "run"), "utf8"), /export ONNXRUNTIME_NODE_INSTALL=skip/);
});
