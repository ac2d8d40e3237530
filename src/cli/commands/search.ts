/**
 * Why: `nlp search` — the corpus lines most similar to each query, best first
 * with scores and line numbers, streaming the corpus (or a prebuilt index) so
 * memory stays bounded by --top-k, not by the corpus.
 */
import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { addInputOptions, addModelOptions, intArg } from "../common.js";
import { addEmbedOptions } from "../embed-options.js";
import type { SearchCliOptions } from "./search-run.js";

// Registration only: the command's code loads when it runs (see search-run.ts), so other commands start fast.
export function registerSearch(program: Command, io: CliIO): void {
  const cmd = program
    .command("search")
    .description("semantic search: the corpus records most similar to each query, best first, with scores and line numbers")
    .argument("[query...]", "queries (else --file, else stdin, one per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  addEmbedOptions(cmd);
  cmd
    .option("--corpus <file>", "the texts to search: lines, or .jsonl/.csv/.tsv read with --text-key/--column (embedded on the fly)")
    .option("--index <dir>", "search an index made by `nlp embed --index dir` (the corpus is not embedded again)")
    .option("--top-k <n>", "results per query", intArg("--top-k"), 10)
    .option("--corpus-prompt-name <name>", "prompt for the corpus texts with --corpus (default: the model's document/passage/corpus prompt)")
    .addHelpText(
      "after",
      `
Queries get the model's "query" prompt unless --prompt-name/--prompt says otherwise (sentence-transformers'
encode_query); corpus texts its "document", "passage" or "corpus" prompt (encode_document).

Examples:
  $ nlp search -m ./all-MiniLM-L6-v2 --corpus faq.txt "how do I reset my password"
  $ nlp embed -m ./all-MiniLM-L6-v2 --index faq.idx -f faq.txt
  $ nlp search --index faq.idx --top-k 3 "how do I reset my password" "opening hours"`,
    )
    .action(async (queries: string[], opts: SearchCliOptions) => (await import("./search-run.js")).runSearch(queries, opts, io));
}
