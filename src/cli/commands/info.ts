import type { Command } from "commander";
import type { CliIO } from "../io.js";
import type { InfoCliOptions } from "./info-run.js";

// Registration only: the command's code loads when it runs (see info-run.ts), so other commands start fast.
export function registerInfo(program: Command, io: CliIO): void {
  program
    .command("info")
    .description("what a model reference resolves to: repo, revision, files, labels, size, cache state, upstream, licence")
    .argument("<ref>", "a catalog reference or alias, an owner/name Hub id, or a folder")
    .option("--variant <name>", "describe this ONNX variant (default: the model's preferred one)")
    .option("--revision <rev>", "Hub branch, tag or commit")
    .option("--format <format>", "text or json (default: text)")
    .addHelpText(
      "after",
      `
Never downloads anything: labels and max length come from the catalog, or from the files once cached.

Examples:
  $ nlp info en.classify.bert.imdb
  $ nlp info sentiment --format json`,
    )
    .action(async (ref: string, opts: InfoCliOptions) => (await import("./info-run.js")).runInfo(ref, opts, io));
}
