import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { addInputOptions, addModelOptions, floatArg, intArg } from "../common.js";
import { addDocumentOptions } from "../document-options.js";
import type { ClassifyCliOptions } from "./classify-run.js";

// Registration only: the command's code loads when it runs (see classify-run.ts), so other commands start fast.
export function registerClassify(program: Command, io: CliIO): void {
  const cmd = program
    .command("classify")
    .description("label texts with a text-classification model")
    .argument("[text...]", "texts to classify (else --file, else stdin, one record per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  addDocumentOptions(cmd);
  cmd
    .option("--top-k <n>", "list the n best labels per text under \"labels\"", intArg("--top-k"))
    .option("--all-scores", "add every label's score (\"scores\" in JSON, score_<label> columns in CSV/TSV)")
    .option("--threshold <t>", "list every label scoring ≥ t under \"labels\" (multi-label models)", floatArg("--threshold", 0, 1))
    .option("--function <fn>", "score function: softmax, sigmoid or none (default: from the model config, as transformers)")
    .option("--server <url>", "client mode: send the texts to a running `nlp serve` instead of loading a model (also NLP_SERVER)")
    .option("--prefix <p>", "prefix for the added fields/columns (label, score, …), e.g. nlp_; on a clash with an input field, pred_ is put in front", "")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp classify -m ./my-bundle "A heartwarming and funny movie"
  $ cat reviews.txt | nlp classify -m ./my-bundle --format csv > labelled.csv
  $ nlp classify -m ./my-bundle --input jsonl --text-key text --format jsonl --all-scores < texts.jsonl
  $ nlp classify -m ./go-emotions --threshold 0.3 --format json "I love it, thanks!"
  $ nlp classify -m ./my-bundle --long chunk --stride 128 -f long-reviews.txt
  $ nlp classify -m ./my-bundle --level sentence "Great screen. Awful battery."
  $ nlp classify -m zero-shot --labels "sports,politics,tech" --all-scores "The match went to penalties"`,
    )
    .action(async (texts: string[], opts: ClassifyCliOptions) => (await import("./classify-run.js")).runClassify(texts, opts, io));
}
