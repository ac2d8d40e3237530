// Baseline "ceiling": a bare onnxruntime-node loop. Tokenizes every text up front
// (@huggingface/tokenizers, truncated to 512), sorts by length, runs batches of N.
// Usage: node bench/raw-ort.js <model.onnx> <tokenizer dir> <texts.json> <batch size> <threads>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const [onnx, dir, textsFile, bs = "32", threads = "2"] = process.argv.slice(2);
const batchSize = Number(bs);
const tk = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
const session = await ort.InferenceSession.create(onnx, {
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
});
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
const rows = texts.map((t) => {
  const ids = tk.encode(t).ids;
  return ids.length > 512 ? [...ids.slice(0, 511), ids[ids.length - 1]] : ids;
});
const order = rows.map((_, i) => i).sort((a, b) => rows[b].length - rows[a].length);
const labels = new Array(rows.length);
for (let s = 0; s < order.length; s += batchSize) {
  const idx = order.slice(s, s + batchSize);
  const len = Math.max(...idx.map((i) => rows[i].length));
  const ids = new BigInt64Array(idx.length * len);
  const mask = new BigInt64Array(idx.length * len);
  idx.forEach((i, b) => rows[i].forEach((id, j) => ((ids[b * len + j] = BigInt(id)), (mask[b * len + j] = 1n))));
  const feeds = { input_ids: new ort.Tensor("int64", ids, [idx.length, len]), attention_mask: new ort.Tensor("int64", mask, [idx.length, len]) };
  const { logits } = await session.run(feeds);
  const w = logits.dims[1];
  idx.forEach((i, b) => (labels[i] = logits.data[b * w] > logits.data[b * w + 1] ? 0 : 1));
}
process.stdout.write(JSON.stringify({ n: labels.length, positive: labels.filter((l) => l === 1).length }) + "\n");
