/**
 * The `nlp` command line: a thin layer over the library. Exit codes are set
 * here and only here: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted.
 */
import { Command, CommanderError } from "commander";
import { describeError, exitCodeFor } from "../errors.js";
import { registerClassify } from "./commands/classify.js";
import { registerTokenize } from "./commands/tokenize.js";
import { registerModels } from "./commands/models.js";
import { registerInfo } from "./commands/info.js";
import { registerPull } from "./commands/pull.js";
import { registerCache } from "./commands/cache.js";
import { registerImport } from "./commands/import.js";
import { registerEval } from "./commands/eval.js";
import { registerNer } from "./commands/ner.js";
import { registerEmbed } from "./commands/embed.js";
import { registerSimilarity } from "./commands/similarity.js";
import { registerSearch } from "./commands/search.js";
import { registerRerank } from "./commands/rerank.js";

export const VERSION = "0.1.0";

export function buildProgram(): Command {
  const program = new Command("nlp")
    .description("Transformer text classification from the shell, with Hugging Face's exact numbers.")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith("error:") ? `nlp: ${str}` : str) })
    .addHelpText(
      "after",
      `
Examples:
  $ nlp classify -m ./bundle "A heartwarming and funny movie"
  $ cat reviews.txt | nlp classify -m ./bundle > labels.jsonl
  $ nlp tokenize -m ./bundle "Why was this scored so?"

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted.`,
    );
  registerClassify(program);
  registerTokenize(program);
  registerModels(program);
  registerInfo(program);
  registerPull(program);
  registerCache(program);
  registerImport(program);
  registerEval(program);
  registerNer(program);
  registerEmbed(program);
  registerSimilarity(program);
  registerSearch(program);
  registerRerank(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: (str, write) => write(`nlp: ${str}`) });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `nlp ... | head` closes stdout early: that is success, not a crash.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    process.stderr.write(`nlp: cannot write output: ${err.message}\n`);
    process.exit(1);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help/version text)
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`nlp: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
