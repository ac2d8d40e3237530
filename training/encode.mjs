// Tokenizes a TSV with the shipped tokenizer through the package's own
// TextTokenizer, so the ids the model trains on are the ids it gets at run time.
//
//   node training/encode.mjs <bundle dir> <in.tsv> <out.jsonl> [max length]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TextTokenizer } from "../dist/index.js";
import { readTsv } from "./tsv.mjs";

const [dir, inPath, outPath, max] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const tok = new TextTokenizer(read("tokenizer.json"), read("tokenizer_config.json"), {}, max ? Number(max) : undefined);
const rows = [];
for (const { text, label } of readTsv(inPath)) rows.push(JSON.stringify({ ids: tok.encode(text).ids, label }));
writeFileSync(outPath, rows.join("\n") + "\n");
console.error(`${outPath}: ${rows.length} rows`);
