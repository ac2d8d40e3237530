import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { addInputOptions, addModelOptions, type InputCliOptions, type ModelCliOptions } from "../common.js";

// Registration only: the command's code loads when it runs (see tokenize-run.ts), so other commands start fast.
export function registerTokenize(program: Command, io: CliIO): void {
  const cmd = program
    .command("tokenize")
    .description("show the exact tokens and input_ids the model receives (after truncation, special tokens included)")
    .argument("[text...]", "texts to tokenize (else --file, else stdin)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  cmd
    .addHelpText(
      "after",
      `
Examples:
  $ nlp tokenize -m ./my-bundle "Hello world"
  $ nlp tokenize --model DIR --input jsonl --text-key text --format jsonl < texts.jsonl`,
    )
    .action(async (texts: string[], opts: ModelCliOptions & InputCliOptions) => (await import("./tokenize-run.js")).runTokenize(texts, opts, io));
}
