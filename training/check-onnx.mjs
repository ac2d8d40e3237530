// Checks an exported graph against torch: runs the rows train.py wrote to
// reference-logits.json (one padded batch) through ONNX Runtime and compares
// logits. The n-gram head hashes token ids with int64 Mul/Add/Mod inside the
// graph, so a mismatch there would show up as a large difference.
//
//   node training/check-onnx.mjs <model.onnx> <reference-logits.json> <max abs diff>
import { readFileSync } from "node:fs";
import ort from "onnxruntime-node";

const [modelPath, refPath, tol] = process.argv.slice(2);
const ref = JSON.parse(readFileSync(refPath, "utf8"));
const [b, n] = [ref.input_ids.length, ref.input_ids[0].length];
const tensor = (rows) => new ort.Tensor("int64", BigInt64Array.from(rows.flat(), BigInt), [b, n]);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
const feeds = { input_ids: tensor(ref.input_ids), attention_mask: tensor(ref.attention_mask) };
if (session.inputNames.includes("token_type_ids")) feeds.token_type_ids = tensor(ref.input_ids.map((r) => r.map(() => 0)));
const got = (await session.run(feeds)).logits.data;
let max = 0;
let flips = 0;
ref.logits.forEach(([l0, l1], i) => {
  max = Math.max(max, Math.abs(l0 - got[2 * i]), Math.abs(l1 - got[2 * i + 1]));
  if (l1 > l0 !== got[2 * i + 1] > got[2 * i]) flips++;
});
console.log(`${modelPath}: max |torch - onnxruntime| = ${max.toExponential(2)} over ${b} rows, ${flips} labels differ`);
if (!(max <= Number(tol))) {
  console.error(`difference above ${tol}: the ONNX graph does not compute what torch does`);
  process.exit(1);
}
