/**
 * Output writers: one record in, one record out, flushed as it comes (so
 * `head` and pipes see results at once), with backpressure on the stream.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Options as StringifyOptions } from "csv-stringify/sync";
import { UsageError } from "../errors.js";

export type OutputFormat = "table" | "json" | "jsonl" | "csv" | "tsv";
export const OUTPUT_FORMATS: OutputFormat[] = ["table", "json", "jsonl", "csv", "tsv"];

export type OutRecord = Record<string, unknown>;

export interface RecordWriter {
  write(record: OutRecord): Promise<void>;
  end(): Promise<void>;
}

export interface WriterOptions {
  /** CSV/TSV/table columns, in order; a column's value is record[key] (objects are JSON-encoded) */
  columns: string[];
  /** column headings when they differ from the keys */
  headings?: string[];
  /** table: how each column may be sized (default: "text" up to 80, others up to 20, cut with … to fit) */
  table?: Record<string, ColumnFit>;
  /** table: the width to fit (default: the terminal's, else $COLUMNS, else 100) */
  width?: number;
  /** where $COLUMNS is read (the CLI passes its CliIO.env; default: this process's) */
  env?: NodeJS.ProcessEnv;
}

/** A table column's sizing: its natural width, how far it may shrink, and whether it may be dropped to fit. */
export interface ColumnFit {
  /** the longest cell expected (the heading counts too) */
  width?: number;
  /** the column's cells when known in advance (labels, a listing): the widest of them sets the width */
  cells?: readonly unknown[];
  /** cells may be cut with … down to this width (default: not at all) */
  min?: number;
  /** when the table is still too wide, columns are dropped highest `drop` first (default: never) */
  drop?: number;
}

/** A table column sized by rows known in advance (`nlp models`, `nlp cache list`): its cells, and its key's width at least. */
export function knownColumn(records: readonly OutRecord[], column: string): ColumnFit {
  return { cells: records.map((r) => r[column]), width: column.length };
}

export function parseOutputFormat(value: string | undefined, isTTY: boolean): OutputFormat {
  if (value === undefined) return isTTY ? "table" : "jsonl";
  const f = value.toLowerCase() as OutputFormat;
  if (!OUTPUT_FORMATS.includes(f)) throw new UsageError(`unknown --format "${value}"; use one of ${OUTPUT_FORMATS.join(", ")}`);
  return f;
}

export type Stringify = (rows: unknown[][], opts: StringifyOptions) => string;
let stringifyModule: Promise<Stringify> | undefined;
/** csv-stringify loads on the first CSV/TSV row: JSONL runs (and one-text startup) never pay for it. */
export function loadStringify(): Promise<Stringify> {
  stringifyModule ??= import("csv-stringify/sync").then((m) => m.stringify as Stringify);
  return stringifyModule;
}

export async function put(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

/** One CSV/TSV/table cell: empty for null/undefined, JSON for objects. */
export function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * The quote character for one row of delimited output. TSV is read unquoted, as `cut` and IANA
 * text/tab-separated-values have it (csv-input.ts), so a TSV row is quoted only when a value holds what
 * unquoted TSV cannot (a tab, a line break), as pandas' to_csv(sep="\t") would; a `"` alone is text.
 * CSV rows get RFC 4180's minimal quoting.
 */
export function rowQuote(delimiter: string, values: readonly string[]): string {
  if (delimiter !== "\t") return '"';
  return values.some((v) => /[\t\n\r]/.test(v)) ? '"' : "";
}

export function createWriter(format: OutputFormat, out: Writable, opts: WriterOptions): RecordWriter {
  switch (format) {
    case "jsonl":
      return { write: (r) => put(out, JSON.stringify(r) + "\n"), end: async () => {} };
    case "json": {
      let n = 0;
      return {
        write: (r) => put(out, (n++ === 0 ? "[\n" : ",\n") + JSON.stringify(r)),
        end: () => put(out, n === 0 ? "[]\n" : "\n]\n"),
      };
    }
    case "csv":
    case "tsv": {
      const delimiter = format === "csv" ? "," : "\t";
      let headerDone = false;
      return {
        async write(r) {
          const stringify = await loadStringify();
          let s = "";
          const line = (values: string[]) => stringify([values], { delimiter, quote: rowQuote(delimiter, values) });
          if (!headerDone) {
            s += line(opts.headings ?? opts.columns);
            headerDone = true;
          }
          s += line(opts.columns.map((c) => cell(r[c])));
          await put(out, s);
        },
        async end() {
          const head = opts.headings ?? opts.columns;
          if (!headerDone) await put(out, (await loadStringify())([head], { delimiter, quote: rowQuote(delimiter, head) }));
        },
      };
    }
    case "table": {
      // the table code (and string-width, 7 modules) loads only when a table is printed: ~8 ms of every run
      let writer: Promise<RecordWriter> | undefined;
      const table = () => (writer ??= import("./table.js").then((t) => t.tableWriter(out, opts)));
      return { write: async (r) => (await table()).write(r), end: async () => (await table()).end() };
    }
  }
}

/** Text for a terminal: whitespace runs as one space, any other control character as U+FFFD (a review holding ESC[2J must not clear the reader's screen). */
export function terminalText(s: string): string {
  return s.replace(/\s+/g, " ").replace(/\p{Cc}/gu, "\ufffd");
}
