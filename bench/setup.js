// What the ner and embed benches share: the bench classifier unpacked, a model derived from it by a python3-onnx
// script, and the same inputs as the classify bench (sst2 dev, 1,000 amazon en reviews) as JSON and CSV files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SHARED = process.env.NLP_SHARED ?? join(ROOT, "..", "shared");
export const WORK = join(ROOT, "bench", ".work");
export const SOURCE = join(WORK, "distilbert-base-uncased-sst2-shape");
export const TARBALL = join(SHARED, "bench", "distilbert-base-uncased-sst2-shape.tar.xz");
export const SST2 = join(SHARED, "data", "sst2", "dev.tsv");
export const AMAZON = join(SHARED, "data", "amazon_reviews_multi", "en.csv");

/**
 * Unpacks the bench classifier once, then makes `model` from it with bench/<script> unless `marker` exists.
 * `needs` is the python import line the script requires (Debian's python3-onnx lives in /usr/bin/python3; a
 * pyenv python3 first on PATH may lack it).
 */
export function deriveBenchModel({ model, marker, script, needs, fail }) {
  mkdirSync(WORK, { recursive: true });
  if (!existsSync(join(SOURCE, "onnx", "model.onnx")) && spawnSync("tar", ["-xJf", TARBALL, "-C", WORK], { stdio: "inherit" }).status !== 0) fail("cannot unpack the bench model");
  if (existsSync(join(model, marker))) return;
  const python = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean).find((p) => spawnSync(p, ["-c", needs]).status === 0);
  if (!python) fail(`${script} needs python3 with \`${needs}\` working (apt-get install python3-onnx)`);
  if (spawnSync(python, [join(ROOT, "bench", script), SOURCE, model], { stdio: "inherit" }).status !== 0) fail(`${script} failed`);
}

/** sst2 dev and 1,000 amazon en reviews (200 each with quick), written as WORK/<prefix>-<name>.json and .csv. */
export function benchInputs(prefix, quick) {
  const limit = quick ? 200 : Infinity;
  const sst2 = parse(readFileSync(SST2), { delimiter: "\t", columns: true, relax_quotes: true, quote: false }).map((r) => r.sentence);
  const amazon = parse(readFileSync(AMAZON))
    .filter((_, i) => i % 1000 < 200)
    .map((r) => r[1]);
  const inputs = [
    { name: "sst2 dev", texts: sst2.slice(0, limit) },
    { name: "amazon en", texts: amazon.slice(0, Math.min(1000, limit)) },
  ];
  for (const inp of inputs) {
    const slug = inp.name.replace(/\W+/g, "-");
    inp.json = join(WORK, `${prefix}-${slug}.json`);
    inp.csv = join(WORK, `${prefix}-${slug}.csv`);
    writeFileSync(inp.json, JSON.stringify(inp.texts));
    writeFileSync(inp.csv, stringify([["id", "text"], ...inp.texts.map((t, i) => [i, t])]));
  }
  return inputs;
}
