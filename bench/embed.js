// `npm run bench -- embed`: whole-process texts/s of `nlp embed` against transformers.js' feature-extraction
// pipeline (pooling "mean", normalize: true) on the same fp32 graph: the bench classifier's encoder with its
// last hidden state as the output, laid out as a sentence-transformers bundle (make-embed-bundle.py,
// python3-onnx). Same inputs as the classify bench (sst2 dev, amazon en); both write JSONL vectors, and the
// vectors are compared. Then `nlp search` over a 100,000-line corpus (sst2 train phrases, cycled): wall time
// and peak RSS, with the tiny test embedding model (what grows with the corpus is the streaming, whatever the
// model) and with the bench encoder on the first 2,000 lines (its fixed cost).
//
//   npm run bench -- embed               all texts (872 + 1,000), search on 100,000 lines
//   npm run bench -- embed --quick       200 texts per input, search on 10,000 lines
//   npm run bench -- embed --reps 3      keep the fastest of 3 runs each (shared machines)
//   npm run bench -- embed --search-full also search the 100,000 lines with the bench encoder (about 30-60 min on 2 cores)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = process.env.NLP_SHARED ?? join(ROOT, "..", "shared");
const WORK = join(ROOT, "bench", ".work");
const SOURCE = join(WORK, "distilbert-base-uncased-sst2-shape");
const TARBALL = join(SHARED, "bench", "distilbert-base-uncased-sst2-shape.tar.xz");
const MODEL = join(WORK, "distilbert-embed-shape");
const TINY = join(ROOT, "test", "fixtures", "hf-embed", "bert");
const SST2 = join(SHARED, "data", "sst2", "dev.tsv");
const SST2_TRAIN = join(SHARED, "data", "sst2", "train.tsv");
const AMAZON = join(SHARED, "data", "amazon_reviews_multi", "en.csv");
const NLP = join(ROOT, "bin", "nlp.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");

const fail = (msg) => {
  console.error(`bench embed: ${msg}`);
  process.exit(1);
};
for (const f of [TARBALL, SST2, SST2_TRAIN, AMAZON]) if (!existsSync(f)) fail(`missing ${f}; set NLP_SHARED=/path/to/shared`);
mkdirSync(WORK, { recursive: true });
if (!existsSync(join(SOURCE, "onnx", "model.onnx")) && spawnSync("tar", ["-xJf", TARBALL, "-C", WORK], { stdio: "inherit" }).status !== 0) fail("cannot unpack the bench model");
if (!existsSync(join(MODEL, "modules.json"))) {
  // the Debian python3-onnx lives in /usr/bin/python3; a pyenv python3 first on PATH may lack it
  const python = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean).find((p) => spawnSync(p, ["-c", "import onnx"]).status === 0);
  if (!python) fail("making the embedding bundle needs python3 with onnx (apt-get install python3-onnx)");
  const r = spawnSync(python, [join(ROOT, "bench", "make-embed-bundle.py"), SOURCE, MODEL], { stdio: "inherit" });
  if (r.status !== 0) fail("make-embed-bundle.py failed");
}

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
  inp.json = join(WORK, `embed-${slug}.json`);
  inp.csv = join(WORK, `embed-${slug}.csv`);
  writeFileSync(inp.json, JSON.stringify(inp.texts));
  writeFileSync(inp.csv, stringify([["id", "text"], ...inp.texts.map((t, i) => [i, t])]));
}

const { physicalCores } = await import(join(ROOT, "dist", "model", "cores.js"));
const threads = String(physicalCores());
const REPS = args.includes("--reps") ? Math.max(1, Number(args[args.indexOf("--reps") + 1]) || 1) : 1;
const hasTime = existsSync("/usr/bin/time");
/** Whole-process wall seconds and peak RSS (MB, with /usr/bin/time); the fastest of --reps runs. */
function measure(script, a) {
  let best;
  for (let i = 0; i < REPS; i++) {
    const cmd = hasTime ? ["/usr/bin/time", ["-f", "__RSS_KB__=%M", process.execPath, script, ...a]] : [process.execPath, [script, ...a]];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd[0], cmd[1], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: "1" } });
    if (r.status !== 0) fail(`${script} ${a.join(" ")} failed (${r.status}): ${r.stderr}`);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const m = /__RSS_KB__=(\d+)/.exec(r.stderr ?? "");
    if (!best || secs < best.secs) best = { secs, rssMB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout };
  }
  return best;
}
const vectors = (stdout) =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).embedding);
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "–");

console.log(`nlp bench embed — ${cpus()[0]?.model ?? "cpu"}; ${availableParallelism()} logical cores; ORT threads ${threads}; node ${process.version}`);
console.log(`load average at start: ${load()}${quick ? "  (--quick: 200 texts per input, 10,000-line corpus)" : ""}${REPS > 1 ? `; fastest of ${REPS} runs` : ""}`);
console.log("\n## Sentence embeddings, fp32, batch 32, mean pooling + normalize: whole-process wall time (load, read, tokenize, infer, pool, write JSONL)");
console.log("| input | texts | runner | wall s | texts/s | vs transformers.js | peak RSS MB | max abs diff to transformers.js |");
console.log("|---|---|---|---|---|---|---|---|");
for (const inp of inputs) {
  const n = inp.texts.length;
  const tjs = measure(join(ROOT, "bench", "transformers-js-embed.js"), [MODEL, inp.json, "32", threads]);
  const ours = measure(NLP, ["embed", "-m", MODEL, "--variant", "fp32", "--batch-size", "32", "--threads", threads, "-f", inp.csv, "--column", "text", "--format", "jsonl", "--quiet"]);
  const [a, b] = [vectors(tjs.stdout), vectors(ours.stdout)];
  if (a.length !== n || b.length !== n) fail(`expected ${n} vectors, got ${a.length} (transformers.js) and ${b.length} (nlp)`);
  let diff = 0;
  a.forEach((v, i) => v.forEach((x, j) => (diff = Math.max(diff, Math.abs(x - b[i][j])))));
  for (const [runner, r, d] of [["transformers.js feature-extraction", tjs, "–"], ["nlp embed", ours, diff.toExponential(1)]]) {
    console.log(`| ${inp.name} | ${n} | ${runner} | ${f(r.secs)} | ${f(n / r.secs, 1)} | ${f(tjs.secs / r.secs)}× | ${f(r.rssMB, 0)} | ${d} |`);
  }
}
console.log(`load average after: ${load()}`);

// ---- search over a big corpus -----------------------------------------------------------------
const lines = quick ? 10_000 : 100_000;
const phrases = parse(readFileSync(SST2_TRAIN), { delimiter: "\t", from_line: 2, quote: false, relax_column_count: true }).map((r) => r[0]);
const corpusOf = (n) => {
  const file = join(WORK, `corpus-${n}.txt`);
  if (!existsSync(file)) writeFileSync(file, Array.from({ length: n }, (_, i) => phrases[i % phrases.length].replace(/\s+/g, " ").trim() || "-").join("\n") + "\n");
  return file;
};
const queries = ["a heartwarming movie about friendship", "the plot makes no sense", "great acting but too long"];
const index = join(WORK, `embed-index-${lines}`);
console.log(`\n## nlp search: ${queries.length} queries, top 10, corpus of sst2 train phrases (cycled); whole process`);
console.log("| model | command | corpus lines | wall s | lines/s | peak RSS MB |");
console.log("|---|---|---|---|---|---|");
const searchRow = (label, model, n, extra = []) => {
  const r = measure(NLP, ["search", "-m", model, "--corpus", corpusOf(n), "--top-k", "10", "--threads", threads, "--format", "jsonl", ...extra, ...queries]);
  const hits = r.stdout.split("\n").filter(Boolean).length;
  if (hits !== queries.length * 10) fail(`search printed ${hits} hits, expected ${queries.length * 10}`);
  console.log(`| ${label} | search --corpus | ${n.toLocaleString("en-US")} | ${f(r.secs)} | ${f(n / r.secs, 0)} | ${f(r.rssMB, 0)} |`);
};
searchRow("test fixture bert (tiny, fp32, batch 32)", TINY, lines);
rmSync(index, { recursive: true, force: true });
const made = measure(NLP, ["embed", "-m", TINY, "--index", index, "-f", corpusOf(lines), "--threads", threads, "--quiet"]);
console.log(`| test fixture bert (tiny, fp32, batch 32) | embed --index | ${lines.toLocaleString("en-US")} | ${f(made.secs)} | ${f(lines / made.secs, 0)} | ${f(made.rssMB, 0)} |`);
const viaIndex = measure(NLP, ["search", "--index", index, "--top-k", "10", "--threads", threads, "--format", "jsonl", ...queries]);
console.log(`| test fixture bert (tiny, fp32, batch 32) | search --index | ${lines.toLocaleString("en-US")} | ${f(viaIndex.secs)} | ${f(lines / viaIndex.secs, 0)} | ${f(viaIndex.rssMB, 0)} |`);
searchRow("bench encoder (fp32, batch 32)", MODEL, 2_000, ["--variant", "fp32", "--batch-size", "32"]);
if (args.includes("--search-full")) searchRow("bench encoder (fp32, batch 32)", MODEL, lines, ["--variant", "fp32", "--batch-size", "32"]);
else console.log(`(the bench encoder over ${lines.toLocaleString("en-US")} lines takes long on 2 cores: add --search-full to run it)`);
console.log(`\nload average at end: ${load()}`);
