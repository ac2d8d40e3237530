/**
 * Input records. Every reader yields one record per input record, in order,
 * blank ones included, so output lines up with input one to one.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { readLines } from "./lines.js";
import { csvReader } from "./csv-input.js";
import type { InputOptions, InputRecord, RecordReader } from "./records.js";

export type { InputOptions, InputRecord, RecordReader } from "./records.js";

/** Every input format and its reader: a new format is one more entry here (see docs/architecture.md). */
const readers = new Map<string, RecordReader>([
  ["lines", (stream) => lineRecords(stream)],
  ["jsonl", (stream, opts) => jsonlRecords(stream, opts)],
  // TSV has no quoting (IANA text/tab-separated-values, `cut`): a tweet that starts with " is text
  ["csv", csvReader(",", '"')],
  ["tsv", csvReader("\t", false)],
]);

/** The file, or `stdin` for none or "-". */
export function openSource(file: string | undefined, stdin: AsyncIterable<Buffer | string>): AsyncIterable<Buffer> {
  if (file === undefined || file === "-") return stdin as AsyncIterable<Buffer>;
  checkSource(file);
  return createReadStream(file) as AsyncIterable<Buffer>;
}

/** A missing input file is a usage error: checked before a model loads too, so a typo costs no download. */
export function checkSource(file: string | undefined): void {
  if (file === undefined || file === "-") return;
  if (file.trim() === "") throw new UsageError("--file is empty (an unset shell variable?); pass a path, or '-' to read stdin");
  if (!existsSync(file)) throw new UsageError(`input file not found: ${file}`);
  if (statSync(file).isDirectory()) throw new UsageError(`--file ${file} is a folder, not a file; pass a file, or '-' to read stdin`);
}

/** The reader's name for --input (text and txt mean lines); an unknown one is a usage error. */
export function inputFormatName(input: string): string {
  const f = input.toLowerCase() === "text" || input.toLowerCase() === "txt" ? "lines" : input.toLowerCase();
  if (!readers.has(f)) throw new UsageError(`unknown --input "${input}"; use one of ${[...readers.keys()].join(", ")}`);
  return f;
}

/**
 * --input, else the file's extension, else plain lines. CSV/TSV flags never go
 * silently unused: --delimiter names the format (tab → TSV, else CSV) where
 * nothing else does; --column, --no-header or --quote on input that is not
 * CSV/TSV is a usage error.
 */
export function inputFormatFor(opts: { input?: string; file?: string; column?: string; header?: boolean; delimiter?: string; quote?: string; textKey?: string }): string {
  let format: string;
  if (opts.input) {
    format = inputFormatName(opts.input);
  } else {
    const ext = opts.file && opts.file !== "-" ? extname(opts.file).slice(1).toLowerCase() : "";
    if (ext === "jsonl" || ext === "ndjson") format = "jsonl";
    else if ((ext === "csv" || ext === "tsv") && readers.has(ext)) format = ext;
    else if (opts.delimiter !== undefined) format = ["tab", "\\t", "\t"].includes(opts.delimiter.toLowerCase()) ? "tsv" : "csv";
    else format = "lines";
  }
  if (format !== "csv" && format !== "tsv") rejectTabularFlags(opts, format);
  if (format !== "jsonl") rejectJsonlFlags(opts, format);
  return format;
}

/** --text-key on input that is not JSONL: a usage error, or CSV would be labelled from another column. */
export function rejectJsonlFlags(opts: { textKey?: string }, format: string): void {
  if (opts.textKey === undefined) return;
  const what = format === "args" ? "these are texts given as arguments" : format === "csv" || format === "tsv" ? `this is ${format.toUpperCase()} input; name the column with --column (or pass --input jsonl)` : "this is plain-line input; pass --input jsonl to read JSON lines";
  throw new UsageError(`--text-key applies only to JSONL, but ${what}`);
}

/** The CSV/TSV flags given on input of another format: a usage error naming the fix. */
export function rejectTabularFlags(opts: { column?: string; header?: boolean; delimiter?: string; quote?: string }, format: string): void {
  const given = [
    opts.column !== undefined && "--column",
    opts.header === false && "--no-header",
    opts.delimiter !== undefined && "--delimiter",
    opts.quote !== undefined && "--quote",
  ].filter(Boolean);
  if (given.length === 0) return;
  const what = format === "args" ? "texts given as arguments" : format === "jsonl" ? "JSONL input" : "plain-line input";
  const fix = format === "jsonl" ? "name the JSON field with --text-key, or pass --input csv for CSV" : "add --input csv (or --input tsv) to read CSV";
  throw new UsageError(`${given.join(", ")} ${given.length > 1 ? "apply" : "applies"} only to CSV/TSV, but this is ${what}; ${fix}`);
}

export function readRecords(format: string, stream: AsyncIterable<Buffer | string>, opts: InputOptions): AsyncIterable<InputRecord> {
  const reader = readers.get(format);
  if (!reader) throw new UsageError(`unknown input format "${format}"`);
  return reader(stream, opts);
}

export async function* lineRecords(stream: AsyncIterable<Buffer | string>): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const text of readLines(stream)) yield { text, line: ++line };
}

/** Looks up a dotted path ("review.body") in a parsed object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export async function* jsonlRecords(stream: AsyncIterable<Buffer | string>, opts: InputOptions): AsyncGenerator<InputRecord> {
  const key = opts.textKey ?? "text";
  let line = 0;
  for await (const raw of readLines(stream)) {
    line++;
    if (raw.trim() === "") {
      // a blank line is a record with empty text: one output per input line
      yield { text: "", source: {}, line };
      continue;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      const msg = `invalid JSON on line ${line}: ${(err as Error).message}`;
      if (opts.skipInvalid) {
        opts.warn?.(`skipped: ${msg}`);
        continue;
      }
      throw new InputError(`${msg}; fix the line or pass --skip-invalid to report and skip such lines`);
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      const msg = `line ${line} is JSON but not an object`;
      if (opts.skipInvalid) {
        opts.warn?.(`skipped: ${msg}`);
        continue;
      }
      throw new InputError(`${msg}; each JSONL line must be an object like {"${key}": "..."}`);
    }
    const value = getPath(obj, key);
    if (value === undefined || value === null) {
      const keys = Object.keys(obj).slice(0, 10).join(", ");
      const msg = `line ${line} has no "${key}" field (fields: ${keys || "none"})`;
      if (opts.skipInvalid) {
        opts.warn?.(`skipped: ${msg}`);
        continue;
      }
      throw new InputError(`${msg}; pass ${opts.textFlag ?? "--text-key"} <field> to name the text field`);
    }
    if (typeof value === "object") {
      // String() would make it "[object Object]" or "a,b": text the model would score without complaint
      const msg = `line ${line}: "${key}" holds ${Array.isArray(value) ? "an array" : "an object"}, not a text`;
      if (opts.skipInvalid) {
        opts.warn?.(`skipped: ${msg}`);
        continue;
      }
      throw new InputError(`${msg}; pass ${opts.textFlag ?? "--text-key"} with the path to a string field (e.g. ${key}.body), or --skip-invalid to report and skip such lines`);
    }
    // a number or boolean reads as it prints (5, true), as pandas' astype(str) gives it
    yield { text: typeof value === "string" ? value : String(value), source: obj, line };
  }
}

/** TEXT arguments as records. */
export async function* argumentRecords(texts: string[]): AsyncGenerator<InputRecord> {
  let line = 0;
  for (const text of texts) yield { text, line: ++line };
}
