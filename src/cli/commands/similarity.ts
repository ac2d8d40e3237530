/**
 * Why: `nlp similarity` — how alike two texts are by the model's own measure
 * (config_sentence_transformers.json's similarity_fn_name), for one pair, one
 * text against several, or every pair of a CSV/TSV/JSONL file, in input order.
 */
import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { SIMILARITY_FUNCTIONS, similarity } from "../../engine/pooling.js";
import { addInputOptions, addModelOptions } from "../common.js";
import { addEmbedOptions } from "../embed-options.js";
import type { SimilarityCliOptions } from "./similarity-run.js";

// Registration only: the command's code loads when it runs (see similarity-run.ts), so other commands start fast.
export function registerSimilarity(program: Command, io: CliIO): void {
  const cmd = program
    .command("similarity")
    .description("similarity of text pairs with a sentence-transformers model (its similarity_fn_name: cosine, dot, euclidean, manhattan)")
    .argument("[text...]", "two texts, or one text and several to compare it with (else pairs from --file or stdin)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  addEmbedOptions(cmd);
  cmd
    .option("--pair-key <key>", "JSONL field holding the second text (dotted paths allowed)", "text_pair")
    .option("--pair-column <name|n>", 'CSV/TSV column holding the second text (default: "text_pair", or the other column of a two-column file)')
    .option("--prefix <p>", "prefix for the added field/column (score), e.g. pred_", "")
    .option("--function <fn>", `override the model's similarity function: ${SIMILARITY_FUNCTIONS.join(", ")} (euclidean and manhattan are negated distances)`)
    .addHelpText(
      "after",
      `
Examples:
  $ nlp similarity -m ./all-MiniLM-L6-v2 "A cat sat on the mat" "A feline rested on the rug"
  $ nlp similarity -m DIR "cheap flights" "low-cost airline tickets" "a recipe for bread"
  $ nlp similarity -m DIR --input jsonl --text-key sentence1 --pair-key sentence2 < sts.jsonl
  $ nlp similarity -m DIR --input csv --column question1 --pair-column question2 < pairs.csv > scored.csv`,
    )
    .action(async (texts: string[], opts: SimilarityCliOptions) => (await import("./similarity-run.js")).runSimilarity(texts, opts, io));
}
