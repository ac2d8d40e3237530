#!/usr/bin/env node
// `npm run bench -- start`: how fast the first answer comes, whole process, as a user starts it. Runs each
// command in turn, round after round (alternating, so a shared machine's load hits every command alike), and
// reports the median wall time of each and the ratios the issue sets targets for, all from this one run.
//
//   npm run bench -- start [--rounds N] [--before DIR]
// (rounds default 15; needs only the repository). --before DIR: another checkout of nlp, built (e.g. a git worktree
// of main), whose `nlp --version` and `nlp classify "…"` run in the same rounds, for a before/after in one run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NLP = join(ROOT, "bin", "nlp.js");
const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");
const TEXT = "A heartwarming and funny movie about the secret lives of toys.";
const args = process.argv.slice(2);
const rounds = args.includes("--rounds") ? Math.max(1, Number(args[args.indexOf("--rounds") + 1]) || 1) : 15;
const before = args.includes("--before") ? join(args[args.indexOf("--before") + 1], "bin", "nlp.js") : undefined;

// no user config or default-model override: `nlp classify` picks the embedded model, as on a fresh install
const home = mkdtempSync(join(tmpdir(), "nlp-bench-start-"));
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, HF_HOME: join(home, "hf"), NO_COLOR: "1" };
delete env.NLP_DEFAULT_MODEL;
const node = process.execPath;
const commands = [
  ["node -e 0", ["-e", "0"]],
  ["nlp --version", [NLP, "--version"]],
  ["nlp --help", [NLP, "--help"]],
  ["nlp models", [NLP, "models"]],
  ["nlp info en.classify.sentiment.tiny", [NLP, "info", "en.classify.sentiment.tiny"]],
  [`nlp classify "…" (embedded model)`, [NLP, "classify", TEXT]],
  ...(before
    ? [
        ["before: nlp --version", [before, "--version"]],
        [`before: nlp classify "…" (embedded model)`, [before, "classify", TEXT]],
      ]
    : []),
  ["bare script: same model, onnxruntime-node + tokenizers, one run", [join(ROOT, "bench", "bare-session.js"), join(EMBEDDED, "onnx", "model_quantized.onnx"), EMBEDDED, TEXT]],
];

const loadBefore = loadavg();
const times = commands.map(() => []);
let classifyOut;
for (let r = 0; r < rounds; r++) {
  for (const [i, [name, a]] of commands.entries()) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(node, a, { env, encoding: "utf8" });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (p.status !== 0) throw new Error(`${name} failed (${p.status}): ${p.stderr}`);
    if (name.startsWith("nlp classify")) classifyOut = p.stdout;
    times[i].push(secs);
  }
}
const loadAfter = loadavg();
rmSync(home, { recursive: true, force: true });
if (!/"label":"POSITIVE"/.test(classifyOut ?? "")) throw new Error(`nlp classify gave ${classifyOut}`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = times.map(median);
const nodeS = med[0];
const bareS = med[commands.length - 1];
const byName = (prefix) => med[commands.findIndex(([n]) => n.startsWith(prefix))];
const la = (l) => l.map((x) => x.toFixed(2)).join(" ");
console.log(`## Start: whole-process wall time, median of ${rounds} alternating rounds (node ${process.version})`);
console.log(`load average before: ${la(loadBefore)}; after: ${la(loadAfter)}`);
console.log("| command | median s | min s | max s | × node -e 0 |");
console.log("|---|---|---|---|---|");
for (const [i, [name]] of commands.entries()) {
  console.log(`| ${name} | ${med[i].toFixed(3)} | ${Math.min(...times[i]).toFixed(3)} | ${Math.max(...times[i]).toFixed(3)} | ${(med[i] / nodeS).toFixed(2)}× |`);
}
const version = byName("nlp --version") / nodeS;
const classify = byName("nlp classify");
console.log("\n| target | measured | met |");
console.log("|---|---|---|");
const row = (what, x, limit) => console.log(`| ${what} ≤ ${limit.toFixed(2)}× | ${x.toFixed(2)}× | ${x <= limit ? "yes" : "no"} |`);
row("nlp --version / node -e 0", version, 1.4);
row("nlp classify / bare script", classify / bareS, 1.05);
row("nlp classify / node -e 0", classify / nodeS, 3.0);
if (before) {
  const was = byName("before: nlp classify");
  console.log(`\nbefore → now, same run: nlp classify ${was.toFixed(3)} → ${classify.toFixed(3)} s (${(was / bareS).toFixed(2)}× → ${(classify / bareS).toFixed(2)}× the bare script; ${(was / nodeS).toFixed(2)}× → ${(classify / nodeS).toFixed(2)}× node -e 0)`);
}
