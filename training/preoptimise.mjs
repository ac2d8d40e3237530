// Saves the graph ONNX Runtime optimises at "extended" level (fusions that hold on any CPU; "all" adds
// layout transforms ORT warns are specific to the CPU it ran on), so loading it skips most of the
// optimisation work: session creation for the embedded model drops from ~85 ms to ~25 ms (docs/performance.md).
// Refuses to write it unless its logits on the check texts are bitwise those of the input graph.
//
//   node training/preoptimise.mjs <in.onnx> <out.onnx> <tokenizer dir>
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const [input, output, dir] = process.argv.slice(2);
const tmp = `${output}.tmp`;
await ort.InferenceSession.create(input, { intraOpNumThreads: 1, graphOptimizationLevel: "extended", optimizedModelFilePath: tmp });

const tk = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
const texts = ["A heartwarming and funny movie.", "Dull, overlong and badly acted.", "It is a film.", "not bad at all", "Worst. Purchase. Ever!!!"];
const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a, BigInt), [1, a.length]);
// nlp's session settings (src/engine/session.ts)
const opts = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" };
async function logits(path) {
  const s = await ort.InferenceSession.create(path, opts);
  const out = [];
  for (const text of texts) {
    const ids = tk.encode(text).ids;
    const feeds = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
    if (s.inputNames.includes("token_type_ids")) feeds.token_type_ids = t(ids.map(() => 0));
    out.push(...(await s.run(feeds)).logits.data);
  }
  return Buffer.from(Float32Array.from(out).buffer).toString("hex");
}
if ((await logits(input)) !== (await logits(tmp))) {
  console.error(`${tmp}: logits differ from ${input}; not used`);
  process.exit(1);
}
renameSync(tmp, output);
console.log(`${output}: pre-optimised (extended), logits bitwise identical to ${input}`);
