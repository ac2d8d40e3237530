import type { Command } from "commander";
import type { CliIO } from "../io.js";
import type { ModelsCliOptions } from "./models-run.js";

// Registration only: the command's code loads when it runs (see models-run.ts), so other commands start fast.
export function registerModels(program: Command, io: CliIO): void {
  program
    .command("models")
    .description("list the model catalog (built-in and imported), with what is already downloaded")
    .argument("[query]", "only entries whose ref, alias, repo, dataset or description contains this")
    .option("--lang <code>", "only models for this language (multilingual ones included)")
    .option("--task <task>", "only this task: sentiment, emotion, toxicity, zero-shot, ner, pos, pii, embed, rerank, …")
    .option("--format <format>", "table, json, jsonl, csv or tsv (default: table on a terminal, else jsonl)")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp models
  $ nlp models imdb
  $ nlp models --task zero-shot --lang fr
  $ nlp models --task ner
  $ nlp models --task embed --lang de
  $ nlp models --format json | jq '.[].ref'`,
    )
    .action(async (query: string | undefined, opts: ModelsCliOptions) => (await import("./models-run.js")).runModels(query, opts, io));
}
