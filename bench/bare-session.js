// The one-text latency floor: create the session, tokenize one text, run once. The session gets the settings nlp
// gives a session for text arguments (ortSessionOptions({ fastStart: true }), src/engine/session.ts), the fastest
// this runtime allows, so `nlp classify "…"` is compared like with like (the one nlp module it loads is that
// small file and its two imports).
// Usage: node bench/bare-session.js <model.onnx> <tokenizer dir> <text>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";
import { ortSessionOptions } from "../dist/engine/session.js";

const [onnx, dir, text] = process.argv.slice(2);
const tk = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
const session = await ort.InferenceSession.create(onnx, ortSessionOptions({ fastStart: true }));
const ids = tk.encode(text).ids;
const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a, BigInt), [1, a.length]);
const feeds = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
// BERT exports (the embedded model) take segment ids too: zeros for a single text
if (session.inputNames.includes("token_type_ids")) feeds.token_type_ids = t(ids.map(() => 0));
const { logits } = await session.run(feeds);
process.stdout.write(JSON.stringify(Array.from(logits.data)) + "\n");
