// ONNX Runtime session creation for one graph under several settings, in one process, alternating: median ms
// to create the session and to run one text, and whether the logits are bitwise those of nlp's settings.
// Usage: node bench/session-options.js <bundle dir> [rounds=9] [extra .ort or pre-optimised .onnx files…]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir, roundsArg = "9"] = process.argv.slice(2);
const rounds = Number(roundsArg);
const onnx = join(dir, "onnx", "model_quantized.onnx");
const tk = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
const texts = ["A heartwarming and funny movie about the secret lives of toys.", "Dull, overlong and badly acted.", "It is a film.", "not bad at all"];
const base = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" };

// the graph ONNX Runtime optimised, saved once, then loaded with optimisation off: at "extended" (portable) and
// at "all" (adds layout transforms ONNX Runtime warns are specific to this CPU)
const preopt = join(tmpdir(), "nlp-embedded-preoptimised-extended.onnx");
await ort.InferenceSession.create(onnx, { ...base, graphOptimizationLevel: "extended", optimizedModelFilePath: preopt });
const preoptAll = join(tmpdir(), "nlp-embedded-preoptimised-all.onnx");
await ort.InferenceSession.create(onnx, { ...base, logSeverityLevel: 3, optimizedModelFilePath: preoptAll });
const ortFile = join(dir, "onnx", "model_quantized.ort");

const variants = [
  ["nlp's settings (2 threads, all, arena on)", onnx, base],
  ["intraOpNumThreads 1", onnx, { ...base, intraOpNumThreads: 1 }],
  ["enableCpuMemArena false", onnx, { ...base, enableCpuMemArena: false }],
  ["enableMemPattern false", onnx, { ...base, enableMemPattern: false }],
  ["graphOptimizationLevel basic", onnx, { ...base, graphOptimizationLevel: "basic" }],
  ["graphOptimizationLevel disabled", onnx, { ...base, graphOptimizationLevel: "disabled" }],
  ["executionMode parallel", onnx, { ...base, executionMode: "parallel" }],
  ["pre-optimised graph (extended), optimisation off", preopt, { ...base, graphOptimizationLevel: "disabled" }],
  ["pre-optimised graph (extended), then all", preopt, { ...base }],
  ["pre-optimised (extended), then all, 1 thread", preopt, { ...base, intraOpNumThreads: 1 }],
  ["pre-optimised (extended), then all, no spinning", preopt, { ...base, extra: { session: { intra_op: { allow_spinning: "0" } } } }],
  ["no spinning", onnx, { ...base, extra: { session: { intra_op: { allow_spinning: "0" } } } }],
  ["pre-optimised graph (all), optimisation off", preoptAll, { ...base, graphOptimizationLevel: "disabled" }],
  ...(existsSync(ortFile) ? [["ORT format (.ort)", ortFile, { ...base }], ["ORT format (.ort), optimisation off", ortFile, { ...base, graphOptimizationLevel: "disabled" }]] : []),
];

const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a, BigInt), [1, a.length]);
async function once(path, opts) {
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(path, opts);
  const t1 = performance.now();
  const out = [];
  for (const text of texts) {
    const ids = tk.encode(text).ids;
    const feeds = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
    if (s.inputNames.includes("token_type_ids")) feeds.token_type_ids = t(ids.map(() => 0));
    const r = await s.run(feeds);
    out.push(Buffer.from(r.logits.data.buffer, r.logits.data.byteOffset, r.logits.data.byteLength).toString("hex"));
    if (out.length === 1) var firstRun = performance.now() - t1;
  }
  await s.release();
  return { create: t1 - t0, run: firstRun, logits: out.join(",") };
}

const times = variants.map(() => ({ create: [], run: [], logits: undefined }));
for (let r = 0; r < rounds; r++) {
  for (const [i, [, path, opts]] of variants.entries()) {
    const x = await once(path, opts);
    times[i].create.push(x.create);
    times[i].run.push(x.run);
    times[i].logits ??= x.logits;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| session | create ms (median of ${rounds}) | first run ms | logits on ${texts.length} texts |`);
console.log("|---|---|---|---|");
for (const [i, [name]] of variants.entries()) {
  const same = times[i].logits === times[0].logits ? "bitwise identical" : "DIFFERENT";
  console.log(`| ${name} | ${median(times[i].create).toFixed(1)} | ${median(times[i].run).toFixed(2)} | ${same} |`);
}
