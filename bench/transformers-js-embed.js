// Baseline for `npm run bench -- embed`: @huggingface/transformers' feature-extraction pipeline on the same
// folder (pooling: "mean", normalize: true), batches of N, local files only, fp32. Writes one JSONL
// {"text", "embedding"} per text, as `nlp embed --format jsonl` does, so both do the same work end to end.
// Usage: node bench/transformers-js-embed.js <model dir> <texts.json> <batch size> <threads>
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { env, pipeline } from "@huggingface/transformers";

const [dir, textsFile, bs = "32", threads = "2"] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = dirname(dir) + "/";
const extract = await pipeline("feature-extraction", basename(dir), {
  dtype: "fp32",
  local_files_only: true,
  session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
const batchSize = Number(bs);
const out = [];
for (let s = 0; s < texts.length; s += batchSize) {
  const batch = texts.slice(s, s + batchSize);
  const vectors = (await extract(batch, { pooling: "mean", normalize: true })).tolist();
  batch.forEach((text, i) => out.push(JSON.stringify({ text, embedding: vectors[i] })));
}
process.stdout.write(out.join("\n") + "\n");
