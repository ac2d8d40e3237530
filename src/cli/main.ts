/**
 * The `nlp` command line: a thin layer over the library. Exit codes are set
 * here and only here (through cli/errors.ts): 0 ok, 1 runtime failure, 2 usage error, 130 interrupted.
 */
import { Command, CommanderError } from "commander";
import { cliError } from "./errors.js";
import { systemFix } from "../errors.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "../version.js";

export { VERSION };

type Register = (program: Command, io: CliIO) => void;

/** Every command, in the order `nlp --help` lists them; each module only registers its options. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  classify: async () => (await import("./commands/classify.js")).registerClassify,
  tokenize: async () => (await import("./commands/tokenize.js")).registerTokenize,
  models: async () => (await import("./commands/models.js")).registerModels,
  info: async () => (await import("./commands/info.js")).registerInfo,
  pull: async () => (await import("./commands/pull.js")).registerPull,
  cache: async () => (await import("./commands/cache.js")).registerCache,
  import: async () => (await import("./commands/import.js")).registerImport,
  eval: async () => (await import("./commands/eval.js")).registerEval,
  ner: async () => (await import("./commands/ner.js")).registerNer,
  embed: async () => (await import("./commands/embed.js")).registerEmbed,
  similarity: async () => (await import("./commands/similarity.js")).registerSimilarity,
  search: async () => (await import("./commands/search.js")).registerSearch,
  rerank: async () => (await import("./commands/rerank.js")).registerRerank,
  serve: async () => (await import("./commands/serve.js")).registerServe,
};

/**
 * The program with the command argv names registered, or with every command when argv names none of them
 * (`--help`, `help <cmd>`, a typo: the list and the suggestions need them all). A command's run never looks
 * at the others, and registering only it spares ~15 ms of the first answer (docs/performance.md, "Start").
 */
export async function buildProgram(io: CliIO = processIO(), argv: string[] = []): Promise<Command> {
  const program = new Command("nlp")
    .description("One-liner NLP with transformer models: labels, entities, embeddings, with Hugging Face's exact numbers.")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ ...commanderOutput(io), outputError: (str, write) => write(str.startsWith("error:") ? `nlp: ${oneLine(str)}` : str) })
    .addHelpText(
      "after",
      `
Examples:
  $ nlp classify "A heartwarming and funny movie"          # the built-in sentiment model, no download
  $ nlp classify -m en.classify.bert.imdb -f reviews.csv --column review > labelled.csv
  $ cat reviews.txt | nlp classify -m ./bundle > labels.jsonl
  $ nlp ner -m en.ner "Ada Lovelace was born in London."
  $ nlp embed -m en.embed --input jsonl --format jsonl < texts.jsonl
  $ nlp models --task ner                                   # the catalog

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted.`,
    );
  const named = argv[2];
  const names = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((n) => COMMANDS[n]()))) register(program, io);
  // every subcommand inherits exitOverride and the output settings: commander copies them when .command() creates it
  return program;
}

/** commander puts its suggestion on a second line ("\n(Did you mean --format?)"); an nlp error is one line. */
function oneLine(message: string): string {
  return message.replace(/\n\(Did you mean (.*)\?\)/, " (did you mean $1?)");
}

/** commander's help, version and error text go to io's streams, sized and coloured by commander's own rules. */
function commanderOutput(io: CliIO) {
  const env = io.env;
  // commander's useColor(), read from io.env instead of process.env
  const forced = env.NO_COLOR || env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false" ? false : env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined ? true : undefined;
  const colours = (s: CliIO["stdout"]) => forced ?? Boolean(s.isTTY && (s as { hasColors?: () => boolean }).hasColors?.());
  return {
    writeOut: (str: string) => void io.stdout.write(str),
    writeErr: (str: string) => void io.stderr.write(str),
    // undefined (not a terminal): commander's own default width, as its built-in getters return (its types say number)
    getOutHelpWidth: () => (io.stdout.isTTY ? io.stdout.columns : undefined) as number,
    getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
    getOutHasColors: () => colours(io.stdout),
    getErrHasColors: () => colours(io.stderr),
  };
}

/** Runs `nlp` with argv (node-style: argv[2] is the command) against io; resolves the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  // `nlp ... | head` closes stdout early: that is success, not a crash.
  let outputError: number | undefined;
  const onOutputError = (err: NodeJS.ErrnoException) => {
    outputError = err.code === "EPIPE" ? 0 : 1;
    const fix = systemFix(err);
    if (outputError) io.stderr.write(`nlp: cannot write output: ${err.message}${fix ? `; ${fix}` : ""}\n`);
    io.exit?.(outputError);
  };
  io.stdout.on("error", onOutputError);
  const program = await buildProgram(io, argv);
  try {
    await program.parseAsync(argv);
    return outputError ?? 0;
  } catch (err) {
    if (outputError !== undefined) return outputError;
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help/version text)
      return err.exitCode === 0 ? 0 : 2;
    }
    const { message, code } = cliError(err);
    io.stderr.write(`nlp: ${message}\n`);
    return code;
  } finally {
    // a real process keeps the handler for output still being flushed; in process it must not outlive the run
    if (!io.exit) io.stdout.off("error", onOutputError);
  }
}
