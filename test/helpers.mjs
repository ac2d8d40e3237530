// Shared test helpers: paths to the fixtures and two ways to run the CLI: in this process (fast, most tests)
// and as the real bin in a child process (exit codes of the bin, pipes, EPIPE, signals, several processes).
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const FIXTURES = join(ROOT, "test", "fixtures", "hf-reference");
export const BIN = join(ROOT, "bin", "nlp.js");

/** The 15 classifiers with reference.json (NLI heads excluded). */
export const CLASSIFIERS = [
  "albert", "bert", "bert_multilingual_stars", "bert_regression", "camembert", "deberta_v2", "distilbert",
  "distilbert_multilingual", "electra", "mobilebert", "mpnet", "roberta", "roberta_multilabel", "xlm_roberta", "xlnet",
];

export function fixture(name) {
  return join(FIXTURES, name);
}

export function reference(name, file = "reference.json") {
  return JSON.parse(readFileSync(join(FIXTURES, name, file), "utf8"));
}

/**
 * Runs `nlp ...args` with optional stdin; resolves {code, stdout, stderr}.
 * HOME and the HF cache point at a throwaway folder unless env says otherwise.
 */
export function runCli(args, { input, env = {}, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = [];
    const err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

let queue = Promise.resolve();

/**
 * Runs `nlp ...args` in this process through main(argv, io) with optional stdin; resolves {code, stdout,
 * stderr} like runCli. The library reads its settings (HF_HOME, HF_ENDPOINT, proxies, COLUMNS…) from the
 * process environment as a real process does, so for the run process.env gets the same overlay runCli gives
 * the child (and cwd its cwd); runs are queued one at a time because both are process-wide.
 */
export function runInProcess(args, { input, env = {}, cwd = ROOT } = {}) {
  const run = queue.then(() => runOnce(args, { input, env, cwd }));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(args, { input, env, cwd }) {
  const { main } = await import("../dist/cli/main.js");
  const overlay = { NO_COLOR: "1", ...env };
  const saved = new Map(Object.keys(overlay).map((k) => [k, process.env[k]]));
  const savedCwd = process.cwd();
  const sink = (chunks) =>
    new Writable({
      write(chunk, encoding, cb) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
        cb();
      },
    });
  const out = [];
  const err = [];
  const io = {
    stdin: Readable.from(input === undefined ? [] : [Buffer.from(input)]),
    stdout: sink(out),
    stderr: sink(err),
    env: process.env,
  };
  let code;
  try {
    for (const [k, v] of Object.entries(overlay)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.chdir(cwd);
    code = await main(["node", "nlp", ...args], io);
  } catch (e) {
    // as bin/nlp.js does with a rejection
    err.push(Buffer.from(`nlp: unexpected error: ${e?.stack ?? e}\n`));
    code = 1;
  } finally {
    process.chdir(savedCwd);
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export function jsonl(s) {
  return s.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}
