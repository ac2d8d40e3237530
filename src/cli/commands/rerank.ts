/**
 * Why: `nlp rerank "query" --file docs.txt` — documents ordered by a
 * cross-encoder's relevance score, best first, with their input line numbers.
 */
import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { rerank } from "../../tasks/embed/cross-encoder.js";
import { addInputOptions, addModelOptions, intArg } from "../common.js";
import type { RerankCliOptions } from "./rerank-run.js";

// Registration only: the command's code loads when it runs (see rerank-run.ts), so other commands start fast.
export function registerRerank(program: Command, io: CliIO): void {
  const cmd = program
    .command("rerank")
    .description("order documents by relevance to a query with a cross-encoder (sentence-transformers' CrossEncoder scores)")
    .argument("<query>", "the query")
    .argument("[doc...]", "documents (else --file, else stdin, one per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  cmd
    .option("--top-k <n>", "keep only the n best documents", intArg("--top-k"))
    .option("--prefix <p>", "prefix for the added fields/columns (rank, score), e.g. pred_", "")
    .option("--activation <fn>", "sigmoid or none (raw logits); default: the model's activation_fn, else sigmoid")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp rerank -m ./ms-marco-MiniLM-L-6-v2 "how do I reset my password" --file faq.txt --top-k 5
  $ nlp search --corpus faq.txt --top-k 50 --format jsonl "reset password" | nlp rerank -m RERANKER --input jsonl "reset password"`,
    )
    .action(async (query: string, docs: string[], opts: RerankCliOptions) => (await import("./rerank-run.js")).runRerank(query, docs, opts, io));
}
