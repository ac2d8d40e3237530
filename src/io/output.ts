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
  /** write the header row (CSV/TSV) */
  header?: boolean;
}

export function parseOutputFormat(value: string | undefined, isTTY: boolean): OutputFormat {
  if (value === undefined) return isTTY ? "table" : "jsonl";
  const f = value.toLowerCase() as OutputFormat;
  if (!OUTPUT_FORMATS.includes(f)) throw new UsageError(`unknown --format "${value}"; use one of ${OUTPUT_FORMATS.join(", ")}`);
  return f;
}

type Stringify = (rows: unknown[][], opts: StringifyOptions) => string;
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
      let headerDone = opts.header === false;
      return {
        async write(r) {
          const stringify = await loadStringify();
          let s = "";
          if (!headerDone) {
            s += stringify([opts.headings ?? opts.columns], { delimiter });
            headerDone = true;
          }
          s += stringify([opts.columns.map((c) => cell(r[c]))], { delimiter });
          await put(out, s);
        },
        async end() {
          if (!headerDone) await put(out, (await loadStringify())([opts.headings ?? opts.columns], { delimiter }));
        },
      };
    }
    case "table":
      return tableWriter(out, opts);
  }
}

/** Tables need every row before they can be drawn; they are for a terminal, not for big files. */
function tableWriter(out: Writable, opts: WriterOptions): RecordWriter {
  const rows: OutRecord[] = [];
  return {
    async write(r) {
      rows.push(r);
    },
    async end() {
      const { default: Table } = await import("cli-table3");
      const width = (out as { columns?: number }).columns ?? 100;
      const textWidth = Math.max(20, Math.min(80, width - 12 * (opts.columns.length - 1) - 8));
      const table = new Table({ head: opts.headings ?? opts.columns, wordWrap: false, style: { head: [], border: [] } });
      for (const r of rows) {
        table.push(
          opts.columns.map((c) => {
            const v = r[c];
            if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(4);
            const s = cell(v).replace(/\s+/g, " ");
            return c === "text" && s.length > textWidth ? s.slice(0, textWidth - 1) + "…" : s;
          }),
        );
      }
      await put(out, table.toString() + "\n");
    },
  };
}
