// `npm run bench -- ner`: whole-process texts/s of `nlp ner` against transformers.js' token-classification
// pipeline on the same fp32 graph: the bench classifier's encoder with a token head (make-token-head.py,
// python3-onnx). Same inputs as the classify bench (sst2 dev, amazon en).
//
//   npm run bench -- ner            all texts (872 + 1,000)
//   npm run bench -- ner --quick    200 texts per input
//   npm run bench -- ner --reps 3   keep the fastest of 3 runs each (shared machines)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { AMAZON, benchInputs, deriveBenchModel, ROOT, SST2, TARBALL, WORK } from "./setup.js";

const MODEL = join(WORK, "distilbert-ner-shape");
const NLP = join(ROOT, "bin", "nlp.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");

const fail = (msg) => {
  console.error(`bench ner: ${msg}`);
  process.exit(1);
};
for (const f of [TARBALL, SST2, AMAZON]) if (!existsSync(f)) fail(`missing ${f}; set NLP_SHARED=/path/to/shared`);
deriveBenchModel({ model: MODEL, marker: "onnx/model.onnx", script: "make-token-head.py", needs: "import onnx, numpy", fail });
const inputs = benchInputs("ner", quick);

const { physicalCores } = await import(join(ROOT, "dist", "engine", "cores.js"));
const threads = String(physicalCores());
const REPS = args.includes("--reps") ? Math.max(1, Number(args[args.indexOf("--reps") + 1]) || 1) : 1;
/** The fastest of --reps runs (default 1): on a shared machine the minimum is the least disturbed. */
function measure(script, a) {
  let best;
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [script, ...a], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: "1" } });
    if (r.status !== 0) fail(`${script} ${a.join(" ")} failed (${r.status}): ${r.stderr}`);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!best || secs < best.secs) best = { secs, stdout: r.stdout };
  }
  return best;
}

console.log(`nlp bench ner — ${cpus()[0]?.model ?? "cpu"}; ${availableParallelism()} logical cores; ORT threads ${threads}; node ${process.version}`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}${quick ? "  (--quick: 200 texts per input)" : ""}${REPS > 1 ? `; fastest of ${REPS} runs` : ""}`);
console.log("\n## Token classification, fp32, batch 32: whole-process wall time (load, read, tokenize, infer, post-process, write)");
console.log("| input | texts | runner | aggregation | wall s | texts/s | vs transformers.js |");
console.log("|---|---|---|---|---|---|---|");
for (const inp of inputs) {
  const n = inp.texts.length;
  const tjs = measure(join(ROOT, "bench", "transformers-js-ner.js"), [MODEL, inp.json, "32", "simple", threads]);
  const rows = [["transformers.js", "simple", tjs]];
  for (const agg of ["simple", "first"]) {
    const r = measure(NLP, ["ner", "-m", MODEL, "--variant", "fp32", "--batch-size", "32", "--threads", threads, "-f", inp.csv, "--column", "text", "--aggregation", agg, "--format", "jsonl", "--quiet"]);
    const lines = r.stdout.split("\n").filter(Boolean).length;
    if (lines !== n) fail(`nlp ner wrote ${lines} lines for ${n} texts`);
    rows.push(["nlp ner (with offsets)", agg, r]);
  }
  for (const [runner, agg, r] of rows) {
    console.log(`| ${inp.name} | ${n} | ${runner} | ${agg} | ${r.secs.toFixed(2)} | ${(n / r.secs).toFixed(1)} | ${(tjs.secs / r.secs).toFixed(2)}× |`);
  }
}
