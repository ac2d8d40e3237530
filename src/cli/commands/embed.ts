/**
 * Why: `nlp embed` — one sentence vector per input record, in input order, as
 * JSON/JSONL/CSV/TSV records, a NumPy .npy matrix, or a terminal summary.
 */
import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { addInputOptions, addModelOptions } from "../common.js";
import { addEmbedOptions } from "../embed-options.js";
import type { EmbedCommandOptions } from "./embed-run.js";

// Registration only: the command's code loads when it runs (see embed-run.ts), so other commands start fast.
export function registerEmbed(program: Command, io: CliIO): void {
  const cmd = program
    .command("embed")
    .description("sentence embeddings with a sentence-transformers model (its pooling, normalization, prompts)")
    .argument("[text...]", "texts to embed (else --file, else stdin, one record per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  addEmbedOptions(cmd);
  cmd
    .option("-o, --output <file>", "write to a file instead of stdout (required for --format npy; a .npy name implies it)")
    .option("--prefix <p>", "prefix for the added field/column (embedding), e.g. pred_", "")
    .option("--server <url>", "client mode: embed on a running `nlp serve` of an embedding model instead of loading one (also NLP_SERVER)")
    .option("--index <dir>", "build a search index in dir for `nlp search --index` (default prompt: the model's document/passage prompt)")
    .addHelpText(
      "after",
      `
Output: one record per input record, in input order: JSON/JSONL {"text", "embedding": [...]} (JSONL/CSV
input records are echoed with "embedding" added), CSV/TSV with the input columns and an "embedding" column
(a JSON array), or --format npy: a float32 [rows, dims] matrix whose row i is input record i.

Examples:
  $ nlp embed -m ./all-MiniLM-L6-v2 "A cat sat on the mat"
  $ nlp embed -m DIR --input jsonl --text-key text --format jsonl --prompt-name query < texts.jsonl
  $ nlp embed -m DIR --file corpus.txt --format npy -o corpus.npy
  $ nlp embed -m DIR --input csv --column review --format csv < reviews.csv > reviews-embedded.csv
  $ nlp embed -m DIR --dimensions 256 --prompt "search_document: " -f docs.txt
  $ nlp embed -m DIR --index corpus.idx -f corpus.txt && nlp search --index corpus.idx "my question"`,
    )
    .action(async (texts: string[], opts: EmbedCommandOptions) => (await import("./embed-run.js")).runEmbed(texts, opts, io));
}
