// Builds the embedded model's tokenizer.json: bert-base-uncased's WordPiece
// (same normalizer, pre-tokenizer, template) with its vocabulary cut down to
// the pieces SST-2 train uses plus every single-character piece, so unseen
// words still split into characters instead of [UNK]. A 30k vocabulary would
// triple the model's size for rows training never touches.
//
//   node training/build-vocab.mjs <bert-base-uncased tokenizer.json> <train.tsv> <out dir>
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { TextTokenizer } from "../dist/index.js";
import { readTsv } from "./tsv.mjs";

const [srcPath, trainPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node training/build-vocab.mjs <tokenizer.json> <train.tsv> <out dir>");
  process.exit(2);
}
const src = JSON.parse(readFileSync(srcPath, "utf8"));
const tok = new TextTokenizer(src, { model_max_length: 512 });

const used = new Set();
for (const { text } of readTsv(trainPath)) for (const t of tok.encode(text).tokens) used.add(t);

const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const isSingleChar = (t) => [...(t.startsWith("##") ? t.slice(2) : t)].length === 1;
// Original bert ids order the kept pieces, so the output depends only on the inputs.
const kept = Object.entries(src.model.vocab)
  .sort((a, b) => a[1] - b[1])
  .map(([t]) => t)
  .filter((t) => !SPECIALS.includes(t) && !/^\[unused\d+\]$/.test(t) && (used.has(t) || isSingleChar(t)));
const vocab = {};
for (const t of [...SPECIALS, ...kept]) vocab[t] = Object.keys(vocab).length;

const out = structuredClone(src);
out.model.vocab = vocab;
out.added_tokens = out.added_tokens.map((a) => ({ ...a, id: vocab[a.content] }));
for (const [name, st] of Object.entries(out.post_processor.special_tokens)) st.ids = [vocab[name]];
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "tokenizer.json"), JSON.stringify(out, null, 2) + "\n");
// model_max_length matches the position table train.py builds (MAX_POSITIONS).
const tokenizerConfig = {
  tokenizer_class: "BertTokenizer",
  do_lower_case: true,
  model_max_length: 128,
  cls_token: "[CLS]",
  sep_token: "[SEP]",
  pad_token: "[PAD]",
  unk_token: "[UNK]",
  mask_token: "[MASK]",
  tokenize_chinese_chars: true,
  strip_accents: null,
};
writeFileSync(join(outDir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig, null, 2) + "\n");
console.error(`vocab: ${Object.keys(vocab).length} pieces (${used.size} used by train, rest single characters)`);
