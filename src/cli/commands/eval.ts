import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { addModelOptions } from "../common.js";
import { addLongOptions, addZeroShotOptions } from "../document-options.js";
import type { EvalCliOptions } from "./eval-run.js";

// Registration only: the command's code loads when it runs (see eval-run.ts), so other commands start fast.
export function registerEval(program: Command, io: CliIO): void {
  const cmd = program
    .command("eval")
    .description("measure a model on a labelled file: accuracy, macro-F1, per-label precision/recall/F1, confusion matrix");
  addModelOptions(cmd);
  cmd
    .requiredOption("-f, --file <path>", "labelled data: .tsv, .csv or .jsonl ('-' for stdin with --input)")
    .option("--input <format>", "csv, tsv or jsonl (default: from the file extension)")
    .option("--text-column <c>", 'column (CSV/TSV: name or 1-based number) or JSONL field holding the text (default: "text", else "sentence", else the only column besides the label)')
    .option("--label-column <c>", "column or JSONL field holding the gold label", "label")
    .option("--label-map <map>", "gold value → model label, e.g. 0=NEGATIVE,1=POSITIVE (default: values must be model labels; case is ignored)")
    .option("--no-header", "CSV/TSV: the first row is data (name columns by number)")
    .option("--delimiter <c>", "CSV/TSV field delimiter (default: , for csv, tab for tsv)")
    .option("--quote <c>", "CSV/TSV quote character (default: \" for csv, none for tsv; --quote '\"' for quoted TSV)")
    .option("--skip-invalid", "report invalid rows on stderr and leave them out instead of stopping");
  addLongOptions(cmd);
  addZeroShotOptions(cmd);
  cmd
    .option("--server <url>", "client mode: score the rows on a running `nlp serve` instead of loading a model (also NLP_SERVER)")
    .option("--format <format>", "output: table or json", "table")
    .option("-q, --quiet", "no progress or notices on stderr")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp eval --file dev.tsv --text-column sentence --label-map 0=NEGATIVE,1=POSITIVE
  $ nlp eval -m ./my-bundle --file test.jsonl --format json | jq .accuracy
  $ nlp eval -m zero-shot --file news.tsv --labels "world,sports,business,tech"`,
    )
    .action(async (opts: EvalCliOptions) => (await import("./eval-run.js")).runEval(opts, io));
}
