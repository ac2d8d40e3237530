/**
 * What every model-running command does first: resolve and load the model
 * (the first positional may name it), and open the input records.
 */
import { existsSync, statSync } from "node:fs";
import { UsageError } from "../errors.js";
// the model layers load when a model does: client mode (--server) and the usage checks before it never need them
import type { LoadedModel, LoadModelOptions } from "../model/load.js";
import type { LoadedEmbedder } from "../model/load-embedder.js";
import { argumentRecords, checkSource, inputFormatFor, inputFormatName, openSource, readRecords, rejectJsonlFlags, rejectTabularFlags, type InputOptions, type InputRecord } from "../io/input.js";
import { guardSource } from "../io/source-guard.js";
import { takeShard } from "../io/shard.js";
import type { InputCliOptions, ModelCliOptions } from "./common.js";
import type { CliIO } from "./io.js";
import type { CsvRow } from "../io/records.js";

/** Where no -m is given, a first positional that is a model folder names the model. */
export function splitModelArg(opts: ModelCliOptions, texts: string[], isModelRef: (s: string) => boolean): { ref?: string; texts: string[] } {
  if (opts.model) return { ref: opts.model, texts };
  if (texts.length > 0 && isModelRef(texts[0])) return { ref: texts[0], texts: texts.slice(1) };
  return { ref: undefined, texts };
}

function isFolder(s: string): boolean {
  try {
    return existsSync(s) && statSync(s).isDirectory() && existsSync(`${s}/config.json`);
  } catch {
    return false;
  }
}

/**
 * Whether a positional names a model: a model folder, a catalog reference or a Hub id. The catalog is imported
 * when a command looks for its model, not with this module: client mode (--server) reads no catalog.
 */
export async function modelRefTest(): Promise<(s: string) => boolean> {
  const { isCatalogOrHubRef } = await import("../catalog/positional.js");
  return (s) => isFolder(s) || isCatalogOrHubRef(s);
}

/**
 * The one way a command finds its model: -m, else a first positional that names a model, else the
 * command's default (`fallback`; none: the library's default). A first positional one edit away from a
 * catalog reference is a usage error with the suggestion, in every command.
 * `argsAreAllInput(rest)`: whether the texts left after the model are all the input there is (default: any
 * text, since openInput refuses arguments together with --file); then the session is opened for a fast start.
 */
export async function loadModelForCli<M>(
  loader: (ref: string | undefined, opts: LoadModelOptions) => Promise<M>,
  opts: ModelCliOptions & { quiet?: boolean },
  texts: string[],
  io: CliIO,
  fallback?: () => string,
  argsAreAllInput: (rest: string[]) => boolean = (rest) => rest.length > 0,
): Promise<{ model: M; texts: string[] }> {
  const split = splitModelArg(opts, texts, await modelRefTest());
  if (split.ref === undefined && texts.length > 0) {
    const typo = (await import("../catalog/positional.js")).mistypedRef(texts[0]);
    if (typo) throw typo;
  }
  // a few texts at hand are all the work there is: a session that opens fast beats one tuned for a stream;
  // a big input file: the worker threads start while this thread opens its session
  const fastStart = argsAreAllInput(split.texts);
  const file = (opts as { file?: string }).file;
  const eager = !fastStart && split.texts.length === 0 && (fileSize(file && file !== "-" ? file : io.stdinPath) ?? 0) >= LONG_INPUT_BYTES;
  const model = await loader(split.ref ?? fallback?.(), { ...loadOptionsFromCli(opts, io), fastStart, eager });
  return { model, texts: split.texts };
}

/** A text classifier; no model named: load() picks the default (NLP_DEFAULT_MODEL, the config file, else the embedded model). */
export function loadForCli(opts: ModelCliOptions & { quiet?: boolean }, texts: string[], io: CliIO): Promise<{ model: LoadedModel; texts: string[] }> {
  return loadModelForCli(async (ref, o) => (await import("../model/load.js")).load(ref, o), opts, texts, io);
}

/** The model flags as library load options (every model-running command). */
export function loadOptionsFromCli(opts: ModelCliOptions & { quiet?: boolean }, io: CliIO): LoadModelOptions {
  return {
    variant: opts.variant,
    maxLength: opts.maxLength,
    threads: opts.threads,
    workers: opts.workers,
    batchSize: opts.batchSize,
    offline: Boolean(opts.offline), // HF_HUB_OFFLINE is read by the Hub layer, which then names the right cause
    offlineReason: opts.offline ? "--offline was given" : undefined,
    revision: opts.revision,
    log: opts.quiet ? undefined : (line) => io.stderr.write(line + "\n"),
    progress: !opts.quiet && io.stderr.isTTY ? io.stderr : false,
  };
}

export interface OpenedInput {
  format: string;
  records: AsyncIterable<InputRecord>;
  /** share of the input read so far (0–1), when its size is known (a regular file) */
  fraction?: () => number;
  /** CSV/TSV: the header row once read (also when no data row follows), for output that echoes it */
  header?: () => CsvRow | undefined;
}

/**
 * The input's usage errors that need no model: run before the model loads (a typo in a file name must not
 * wait for a download, nor turn into the model's exit 1 when it cannot load), and again by openInput. `texts`
 * are the positionals before the model takes its own from them, so only their absence is telling here.
 */
export function checkInput(texts: string[], opts: InputCliOptions, io: CliIO): void {
  if (opts.input !== undefined) inputFormatName(opts.input);
  checkSource(opts.file);
  if (texts.length > 0) return;
  if (!opts.file && io.stdin.isTTY) {
    throw new UsageError('no input: pass a TEXT argument, --file <path>, or pipe text on stdin (e.g. echo "great movie" | nlp classify ...)');
  }
  inputFormatFor(opts);
}

/** Records from TEXT arguments, else the file or stdin, read through the binary guard. */
export async function openInput(texts: string[], opts: InputCliOptions & Pick<InputOptions, "textFlag" | "goldColumn">, io: CliIO): Promise<OpenedInput> {
  if (texts.length > 0) {
    if (opts.file) throw new UsageError("give texts as arguments or with --file, not both");
    rejectTabularFlags(opts, "args");
    rejectJsonlFlags(opts, "args");
    // arguments are texts: a record format for them would be ignored (`--input jsonl '{"text": …}'` classified the JSON)
    const named = opts.input === undefined ? "lines" : inputFormatName(opts.input);
    if (named !== "lines") throw new UsageError(`--input ${named} reads --file or stdin, but these are texts given as arguments; pass the records with --file or on stdin`);
    // sharded like a file: `xargs nlp … --shard k/N` on every worker must not label every argument N times
    return { format: "args", records: takeShard(argumentRecords(texts), opts.shard) };
  }
  checkInput(texts, opts, io);
  const format = inputFormatFor(opts);
  const warn = opts.quiet ? undefined : (line: string) => io.stderr.write(`nlp: ${line}\n`);
  const name = opts.file && opts.file !== "-" ? opts.file : "standard input";
  const source = guardSource(openSource(opts.file, io.stdin), name);
  let header: CsvRow | undefined;
  const records = takeShard(readRecords(format, source.stream, { ...opts, warn, onHeader: (h) => (header = h) }), opts.shard);
  const size = fileSize(opts.file && opts.file !== "-" ? opts.file : io.stdinPath);
  return { format, records, fraction: size ? () => Math.min(1, source.bytesRead() / size) : undefined, header: () => header };
}

/** An input file this big (~500 short lines) has windows enough for every worker: start them at once. */
const LONG_INPUT_BYTES = 32 * 1024;

function fileSize(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    const st = statSync(file);
    return st.isFile() && st.size > 0 ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** -m, else a first positional naming a model, else the catalog's default embedding model. */
export async function loadEmbedderForCli(
  opts: ModelCliOptions & { quiet?: boolean },
  texts: string[],
  io: CliIO,
  argsAreAllInput?: (rest: string[]) => boolean,
): Promise<{ model: LoadedEmbedder; texts: string[] }> {
  const { defaultEntry } = await import("../catalog/catalog.js");
  // imported when used: classify's first answer does not load the embedding code
  return loadModelForCli(async (ref, o) => (await import("../model/load-embedder.js")).loadEmbedder(ref!, o), opts, texts, io, () => {
    const ref = defaultEntry("embed", "en")?.ref;
    if (!ref) throw new UsageError("no embedding model given; pass -m <a sentence-transformers folder | catalog ref | owner/name>");
    return ref;
  }, argsAreAllInput);
}
