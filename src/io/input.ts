/**
 * Input records. Every reader yields one record per input record, in order,
 * blank ones included, so output lines up with input one to one.
 */
import { createReadStream, existsSync } from "node:fs";
import { extname } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { readLines } from "./lines.js";

export interface InputRecord {
  text: string;
  /** the parsed source record (JSONL object, CSV row), for formats that echo it back */
  source?: unknown;
  /** 1-based line (or row) number in the input, for messages */
  line: number;
}

export type InputFormat = "lines" | "jsonl" | "csv" | "tsv";
export const INPUT_FORMATS: InputFormat[] = ["lines", "jsonl", "csv", "tsv"];

export interface InputOptions {
  input?: string;
  textKey?: string;
  skipInvalid?: boolean;
  /** where --skip-invalid reports skipped records */
  warn?: (line: string) => void;
  /** CSV/TSV: the text column, by header name or 1-based number */
  column?: string;
  /** CSV/TSV: false when the first row is data, not a header */
  header?: boolean;
  /** CSV/TSV: field delimiter (default "," for csv, tab for tsv) */
  delimiter?: string;
}

/** A reader turns a byte stream into records; formats register theirs here. */
export type RecordReader = (stream: AsyncIterable<Buffer | string>, opts: InputOptions) => AsyncIterable<InputRecord>;

const readers = new Map<string, RecordReader>();
export function registerReader(format: string, reader: RecordReader): void {
  readers.set(format, reader);
}

export function openSource(file: string | undefined): AsyncIterable<Buffer> {
  if (file === undefined || file === "-") return process.stdin as AsyncIterable<Buffer>;
  if (!existsSync(file)) throw new UsageError(`input file not found: ${file}`);
  return createReadStream(file) as AsyncIterable<Buffer>;
}

/** --input, else the file's extension, else plain lines. */
export function inputFormatFor(opts: { input?: string; file?: string }): string {
  if (opts.input) {
    const f = opts.input.toLowerCase() === "text" || opts.input.toLowerCase() === "txt" ? "lines" : opts.input.toLowerCase();
    if (!readers.has(f)) throw new UsageError(`unknown --input "${opts.input}"; use one of ${[...readers.keys()].join(", ")}`);
    return f;
  }
  const ext = opts.file && opts.file !== "-" ? extname(opts.file).slice(1).toLowerCase() : "";
  if (ext === "jsonl" || ext === "ndjson") return "jsonl";
  if ((ext === "csv" || ext === "tsv") && readers.has(ext)) return ext;
  return "lines";
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
      throw new InputError(`${msg}; pass --text-key <field> to name the text field`);
    }
    yield { text: typeof value === "string" ? value : String(value), source: obj, line };
  }
}

registerReader("lines", lineRecords);
registerReader("jsonl", jsonlRecords);

/** TEXT arguments as records. */
export async function* argumentRecords(texts: string[]): AsyncGenerator<InputRecord> {
  let line = 0;
  for (const text of texts) yield { text, line: ++line };
}
