// Shared test helpers: paths to the fixtures and a way to run the real CLI.
import { spawn } from "node:child_process";
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

export function jsonl(s) {
  return s.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}
