// Baseline for `npm run bench -- ner`: @huggingface/transformers' token-classification pipeline on the
// same folder, batches of N, local files only (aggregation as given: none or simple, all it supports).
// Usage: node bench/transformers-js-ner.js <model dir> <texts.json> <batch size> <aggregation> <threads>
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { env, pipeline } from "@huggingface/transformers";

const [dir, textsFile, bs = "32", aggregation = "simple", threads = "2"] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = dirname(dir) + "/";
const ner = await pipeline("token-classification", basename(dir), {
  dtype: "fp32",
  local_files_only: true,
  session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
const batchSize = Number(bs);
let entities = 0;
for (let s = 0; s < texts.length; s += batchSize) {
  const out = await ner(texts.slice(s, s + batchSize), { aggregation_strategy: aggregation });
  for (const o of out) entities += o.length;
}
process.stdout.write(JSON.stringify({ n: texts.length, entities }) + "\n");
