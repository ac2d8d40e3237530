// Baseline: @huggingface/transformers' text-classification pipeline on the same
// folder, batches of N, local files only.
// Usage: node bench/transformers-js.js <model dir> <texts.json> <batch size> <dtype: q8|fp32> <threads>
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { env, pipeline } from "@huggingface/transformers";

const [dir, textsFile, bs = "32", dtype = "q8", threads = "2"] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = dirname(dir) + "/";
const classify = await pipeline("text-classification", basename(dir), {
  dtype,
  local_files_only: true,
  session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
const batchSize = Number(bs);
let positive = 0;
for (let s = 0; s < texts.length; s += batchSize) {
  const out = await classify(texts.slice(s, s + batchSize));
  for (const o of out) if (o.label === "POSITIVE") positive++;
}
process.stdout.write(JSON.stringify({ n: texts.length, positive }) + "\n");
