import type { Command } from "commander";
import type { CliIO } from "../io.js";

// Registration only: the command's code loads when it runs (see cache-run.ts), so other commands start fast.
export function registerCache(program: Command, io: CliIO): void {
  const cache = program
    .command("cache")
    .description("the Hugging Face model cache ($HF_HUB_CACHE, shared with Python): list, path, rm, verify, clear")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp cache list
  $ nlp cache path en.classify.bert.imdb
  $ nlp cache verify --fix
  $ nlp cache rm Xenova/toxic-bert`,
    );
  cache
    .command("list")
    .description("cached models with their revisions, files and size")
    .option("--format <format>", "table, json, jsonl, csv or tsv (default: table on a terminal, else jsonl)")
    .action(async (opts: { format?: string }) => (await import("./cache-run.js")).runList(opts, io));
  cache
    .command("path")
    .description("print the cache folder, or the folder of a cached model")
    .argument("[ref]", "a catalog reference or owner/name")
    .option("--variant <name>", "the variant that must be cached")
    .action(async (ref: string | undefined, opts: { variant?: string }) => (await import("./cache-run.js")).runPath(ref, opts, io));
  cache
    .command("rm")
    .description("delete cached models (every revision)")
    .argument("<ref...>", "catalog references or owner/name Hub ids")
    .action(async (refs: string[]) => (await import("./cache-run.js")).runRm(refs, io));
  cache
    .command("verify")
    .description("check every cached file against its sha256 and size; exit 1 if any is corrupt or missing")
    .argument("[ref...]", "only these models")
    .option("--fix", "delete corrupt or dangling files so the next use downloads them again")
    .action(async (refs: string[], opts: { fix?: boolean }) => (await import("./cache-run.js")).runVerify(refs, opts, io));
  cache
    .command("clear")
    .description("delete every cached model (also Python's: the cache is shared), or only unfinished downloads")
    .option("--yes", "really delete everything")
    .option("--partial", "only delete unfinished downloads (*.incomplete) and leftover locks")
    .action(async (opts: { yes?: boolean; partial?: boolean }) => (await import("./cache-run.js")).runClear(opts, io));
  for (const c of cache.commands) c.exitOverride().configureOutput({ outputError: (str, write) => write(`nlp: ${str}`) });
}
