// The one-text latency floor: create the session, tokenize one text, run once.
// Usage: node bench/bare-session.js <model.onnx> <tokenizer dir> <text> <threads>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const [onnx, dir, text, threads = "2"] = process.argv.slice(2);
const tk = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: "all" });
const ids = tk.encode(text).ids;
const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a, BigInt), [1, a.length]);
const feeds = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
// BERT exports (the embedded model) take segment ids too: zeros for a single text
if (session.inputNames.includes("token_type_ids")) feeds.token_type_ids = t(ids.map(() => 0));
const { logits } = await session.run(feeds);
process.stdout.write(JSON.stringify(Array.from(logits.data)) + "\n");
