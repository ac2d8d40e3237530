import type { Command } from "commander";
import type { CliIO } from "../io.js";
import type { PullCliOptions } from "./pull-run.js";

// Registration only: the command's code loads when it runs (see pull-run.ts), so other commands start fast.
export function registerPull(program: Command, io: CliIO): void {
  program
    .command("pull")
    .description("download models into the Hugging Face cache (shared with Python), so they later load offline")
    .argument("<ref...>", "catalog references, aliases or owner/name[@revision] Hub ids")
    .option("--variant <name>", "ONNX variant to fetch: int8, fp32, fp16, … (default: the model's preferred one)")
    .option("--revision <rev>", "Hub branch, tag or commit")
    .option("-q, --quiet", "no progress or notices on stderr")
    .addHelpText(
      "after",
      `
Prints the folder of each model on stdout. Needs the network; HF_TOKEN opens gated or private repos.

Examples:
  $ nlp pull en.classify.bert.imdb
  $ nlp pull sentiment emotion toxicity --variant int8
  $ nlp pull Xenova/toxic-bert@main`,
    )
    .action(async (refs: string[], opts: PullCliOptions) => (await import("./pull-run.js")).runPull(refs, opts, io));
}
