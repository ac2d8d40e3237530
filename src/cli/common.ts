/**
 * Options shared by the commands that run a model, and the glue from
 * commander's strings to typed library options.
 */
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { parseShard, type Shard } from "../io/shard.js";
import { LOAD_LIMITS } from "../engine/limits.js";

/** A flag's whole number: digits only (Number() would take "0x10", "1e9" and " 3"), from min to max. */
export function intArg(name: string, min = 1, max?: number) {
  return (value: string): number => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new UsageError(`${name} must be an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}, got "${value}"`);
    }
    return n;
  };
}

export function floatArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** -m "$MODEL" with MODEL unset must not quietly become the default model. */
function modelArg(value: string): string {
  if (value.trim() === "") throw new UsageError("-m/--model is empty (an unset shell variable?); name a model folder, catalog reference or Hub repo id, or leave -m out for the default model");
  return value;
}

export interface ModelCliOptions {
  model?: string;
  variant?: string;
  maxLength?: number;
  threads?: number;
  workers?: number;
  batchSize?: number;
  offline?: boolean;
  revision?: string;
}

export interface InputCliOptions {
  file?: string;
  input?: string;
  textKey?: string;
  skipInvalid?: boolean;
  format?: string;
  quiet?: boolean;
  column?: string;
  header?: boolean;
  delimiter?: string;
  quote?: string;
  shard?: Shard;
  fullText?: boolean;
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option("-m, --model <ref>", "model: a folder, a catalog reference (nlp models) or a Hub repo id owner/name[@revision]", modelArg)
    .option("--variant <name>", "ONNX variant: int8 (default when present), fp32, fp16, uint8")
    .option("--max-length <n>", "truncate texts to at most n tokens (never above the model's limit)", intArg("--max-length", 2))
    .option("--workers <n>", "sessions running at once, each in its own thread (default: one per physical core for int8 models, else one; nlp info says)", intArg("--workers", 1, LOAD_LIMITS.workers))
    .option("--threads <n>", "ONNX Runtime threads per session (default: physical cores / workers)", intArg("--threads", 1, LOAD_LIMITS.threads))
    .option("--batch-size <n>", "texts per inference batch (default: 32 for float models, 1 for int8 so scores never depend on neighbours)", intArg("--batch-size", 1, LOAD_LIMITS.batchSize))
    .option("--offline", "use only the local cache; never touch the network (also HF_HUB_OFFLINE=1)")
    .option("--revision <rev>", "Hub branch, tag or commit to use");
}

export function addInputOptions(cmd: Command): Command {
  return cmd
    .option("-f, --file <path>", "read input records from a file ('-' for stdin)")
    .addOption(new Option("--input <format>", "input format: lines, jsonl, csv, tsv (default: from the file extension, else lines)"))
    // no commander default: a --text-key given on CSV or lines is refused, so it must be told from none
    .option("--text-key <key>", 'JSONL field holding the text (dotted paths allowed) (default: "text")')
    .option("--column <name|n>", 'CSV/TSV column holding the text: header name or 1-based number (default: "text", else "sentence", else the only column besides "label")')
    .option("--no-header", "CSV/TSV: the first row is data, not column names")
    .option("--delimiter <c>", "CSV/TSV field delimiter (default: , for csv, tab for tsv); without --input, reads CSV (TSV for tab)")
    .option("--quote <c>", "CSV/TSV quote character (default: \" for csv, none for tsv as `cut` reads it; --quote '\"' for quoted TSV)")
    .option("--shard <K/N>", "take only records K, K+N, K+2N, … (1-based): split one input across N workers", parseShard)
    .option("--skip-invalid", "report invalid input records on stderr and go on instead of stopping")
    .option("--format <format>", "output: table, json, jsonl, csv, tsv (default: table on a terminal, else jsonl)")
    .option("--full-text", "echo texts longer than 100,000 characters whole in the output's text field (default: their start and …)")
    .option("-q, --quiet", "no progress or notices on stderr");
}
