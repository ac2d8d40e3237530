// `npm run bench -- serve`: `nlp serve` under bounded load on loopback, against the batch CLI on the same texts.
//
//   1. the batch CLI (`nlp classify -f texts.csv`) on N texts: rows/s, whole process
//   2. `nlp serve` with the same model, N one-text POST /predict over C keep-alive connections (this process is
//      the load generator): requests/s, p50/p99 latency, errors (must be 0), and every answer's label and scores
//      checked against the batch CLI's record for the text (within 1e-6)
//   3. a warm server with the embedded model: one request on a fresh connection (as curl makes it), p50; and
//      `curl` itself, whole process, when it is installed
//   4. `nlp classify --server URL "text"` against the local one-liner `nlp classify "text"`, whole process
//
//   npm run bench -- serve                  N = 20,000 requests over 64 connections, the bench model (int8)
//   npm run bench -- serve --quick          N = 2,000
//   npm run bench -- serve --requests N --connections C --rounds R
//   npm run bench -- serve --embedded       parts 1-2 with the embedded model (no ../shared needed)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { AMAZON, ROOT, SOURCE, SST2, TARBALL, WORK, benchInputs } from "./setup.js";

const NLP = join(ROOT, "bin", "nlp.js");
const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");
const TEXT = "A heartwarming and funny movie about the secret lives of toys.";
const args = process.argv.slice(2).filter((a) => a !== "serve");
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes("--quick");
const N = opt("--requests", quick ? 2000 : 20000);
const C = opt("--connections", 64);
const ROUNDS = opt("--rounds", quick ? 7 : 15);
const fail = (msg) => {
  console.error(`bench serve: ${msg}`);
  process.exit(1);
};

const hasShared = [TARBALL, SST2, AMAZON].every((f) => existsSync(f));
const useBench = hasShared && !args.includes("--embedded");
mkdirSync(WORK, { recursive: true });
if (useBench && !existsSync(join(SOURCE, "onnx", "model_quantized.onnx"))) {
  if (spawnSync("tar", ["-xJf", TARBALL, "-C", WORK], { stdio: "inherit" }).status !== 0) fail("cannot unpack the bench model");
}
const MODEL = useBench ? SOURCE : EMBEDDED;
const modelName = useBench ? "bench model distilbert-base-uncased-sst2-shape, int8" : "embedded en.classify.sentiment.tiny, int8";
// the classify bench's texts (sst2 dev, amazon en reviews), cycled to N; without ../shared, the test fixtures' texts
let base;
if (hasShared) base = benchInputs("serve", false).flatMap((i) => i.texts);
else base = [TEXT, "Dull, overlong and badly acted.", "It is a film.", "not bad at all", "Worst. Purchase. Ever!!! 😡"];
const texts = Array.from({ length: N }, (_, i) => base[i % base.length]);
const csv = join(WORK, "serve-texts.csv");
writeFileSync(csv, stringify([["text"], ...texts.map((t) => [t])]));

const env = { ...process.env, NO_COLOR: "1" };
delete env.NLP_SERVER;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Starts `nlp serve`; resolves {url, child} once it listens (after its warm-up). */
function startServer(model, extra = []) {
  const child = spawn(process.execPath, [NLP, "serve", "-m", model, "--port", "0", "-q", "--max-client-batch-size", "64", ...extra], { env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      err += d;
      const m = /on (http:\/\/\S+?);/.exec(err);
      if (m) resolve({ url: m[1], child });
    });
    child.on("exit", (code) => reject(new Error(`nlp serve exited ${code}: ${err}`)));
  });
}
async function stopServer({ child }) {
  const exited = new Promise((r) => child.on("exit", (code) => r(code)));
  child.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) fail(`nlp serve exited ${code} on SIGTERM`);
}

function post(url, body, agent) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url + "/predict", { method: "POST", agent, headers: { "content-type": "application/json", "content-length": data.length } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

console.log(`nlp bench serve — ${cpus()[0]?.model ?? "cpu"}; ${availableParallelism()} logical cores; node ${process.version}`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${N} texts (${hasShared ? "sst2 dev + amazon en, cycled" : "fixture texts, cycled"}); ${modelName}`);

// 1. the batch CLI
const t0 = process.hrtime.bigint();
const batch = spawnSync(process.execPath, [NLP, "classify", "-m", MODEL, "-f", csv, "--column", "text", "--all-scores", "--format", "jsonl", "--quiet"], { env, encoding: "utf8", maxBuffer: 1 << 30 });
const batchSecs = Number(process.hrtime.bigint() - t0) / 1e9;
if (batch.status !== 0) fail(`batch CLI failed: ${batch.stderr}`);
const expected = batch.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
if (expected.length !== N) fail(`batch CLI wrote ${expected.length} records for ${N} texts`);

// 2. the server under load: C connections, each sending its next one-text request when the last is answered
const server = await startServer(MODEL);
const agent = new Agent({ keepAlive: true, maxSockets: C });
await post(server.url, { inputs: TEXT }, agent);
const latencies = new Array(N);
let next = 0;
let errors = 0;
let mismatches = 0;
const l0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < N) {
      const i = next++;
      const s = performance.now();
      const r = await post(server.url, { inputs: texts[i] }, agent).catch((e) => ({ status: 0, body: String(e) }));
      latencies[i] = performance.now() - s;
      if (r.status !== 200) {
        errors++;
        continue;
      }
      const preds = JSON.parse(r.body);
      const want = expected[i];
      if (preds[0].label !== want.label || preds.some((p) => Math.abs(p.score - want.scores[p.label]) > 1e-6)) mismatches++;
    }
  }),
);
const loadSecs = (performance.now() - l0) / 1000;
agent.destroy();
const metrics = await new Promise((resolve) => request(server.url + "/metrics", (res) => { let s = ""; res.on("data", (d) => (s += d)); res.on("end", () => resolve(s)); }).end());
const batchLine = (k) => Number((metrics.match(new RegExp(`^nlp_batch_size_${k} (\\S+)`, "m")) ?? [])[1]);
await stopServer(server);

console.log("\n## Throughput: one-text requests against the batch CLI on the same texts");
console.log("| runner | texts | wall s | texts/s | p50 ms | p99 ms | errors | answers ≠ CLI |");
console.log("|---|---|---|---|---|---|---|---|");
console.log(`| batch CLI \`nlp classify -f\` (whole process) | ${N} | ${batchSecs.toFixed(2)} | ${(N / batchSecs).toFixed(1)} | | | | |`);
console.log(`| \`nlp serve\`, ${C} keep-alive connections | ${N} | ${loadSecs.toFixed(2)} | ${(N / loadSecs).toFixed(1)} | ${pct(latencies, 50).toFixed(1)} | ${pct(latencies, 99).toFixed(1)} | ${errors} | ${mismatches} |`);
console.log(`\nserver/batch CLI: ${((N / loadSecs) / (N / batchSecs)).toFixed(2)}× (target ≥ 0.9×); texts per model list: mean ${(batchLine("sum") / batchLine("count")).toFixed(1)} over ${batchLine("count")} lists`);
if (errors > 0 || mismatches > 0) fail(`${errors} errors, ${mismatches} answers unlike the batch CLI's`);

// 3 and 4: the embedded model
const warm = await startServer(EMBEDDED);
await post(warm.url, { inputs: TEXT }, false);
const fresh = [];
for (let i = 0; i < 200; i++) {
  const s = performance.now();
  const r = await post(warm.url, { inputs: TEXT }, false); // agent false: a new connection, as one curl call
  if (r.status !== 200) fail(`warm request answered ${r.status}`);
  fresh.push(performance.now() - s);
}
let curl;
if (spawnSync("curl", ["--version"]).status === 0) {
  curl = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    const r = spawnSync("curl", ["-sf", "-o", "/dev/null", warm.url + "/predict", "-H", "content-type: application/json", "-d", JSON.stringify({ inputs: TEXT })]);
    if (r.status !== 0) fail("curl failed");
    curl.push(performance.now() - s);
  }
}
const client = [];
const local = [];
const home = join(WORK, "serve-home");
mkdirSync(home, { recursive: true });
const cliEnv = { ...env, HOME: home, XDG_CONFIG_HOME: home, HF_HOME: join(home, "hf") };
delete cliEnv.NLP_DEFAULT_MODEL;
for (let r = 0; r < ROUNDS; r++) {
  for (const [list, a] of [
    [client, ["classify", "--server", warm.url, TEXT]],
    [local, ["classify", TEXT]],
  ]) {
    const s = performance.now();
    const out = spawnSync(process.execPath, [NLP, ...a], { env: cliEnv, encoding: "utf8" });
    if (out.status !== 0) fail(`nlp ${a.join(" ")}: ${out.stderr}`);
    list.push(performance.now() - s);
  }
}
await stopServer(warm);

console.log("\n## Latency with the embedded model (warm server)");
console.log("| what | runs | p50 ms |");
console.log("|---|---|---|");
console.log(`| one POST /predict on a fresh connection (in-process client) | ${fresh.length} | ${pct(fresh, 50).toFixed(1)} |`);
if (curl) console.log(`| \`curl\` one request, whole process | ${curl.length} | ${pct(curl, 50).toFixed(1)} |`);
console.log(`| \`nlp classify --server URL "…"\`, whole process | ${ROUNDS} | ${pct(client, 50).toFixed(0)} |`);
console.log(`| \`nlp classify "…"\` (local one-liner), whole process | ${ROUNDS} | ${pct(local, 50).toFixed(0)} |`);
console.log(`\nclient/local one-liner: ${(pct(client, 50) / pct(local, 50)).toFixed(2)}× (target ≤ 0.5×); warm request p50 target ≤ 20 ms`);
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
