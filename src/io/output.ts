/**
 * Output writers: one record in, one record out, flushed as it comes (so
 * `head` and pipes see results at once), with backpressure on the stream.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import stringWidth from "string-width";
import { graphemeSegmenter } from "../engine/graphemes.js";
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
  /** cells may be cut with … down to this width (default: not at all) */
  min?: number;
  /** when the table is still too wide, columns are dropped highest `drop` first (default: never) */
  drop?: number;
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
    case "table":
      return tableWriter(out, opts);
  }
}

/** The text column's default: the room left, but not wider than a comfortable line. */
const TEXT_COLUMN: ColumnFit = { width: 80, min: 12 };
/** Any other column nobody sized: room for a short value, cut to fit. */
const OTHER_COLUMN: ColumnFit = { width: 20, min: 8 };
const GAP = "  ";

/** The width to fit: the terminal's, else $COLUMNS (as `ls` and most shell tools), else 100. */
export function terminalWidth(out: Writable, env: NodeJS.ProcessEnv = process.env): number {
  const tty = (out as { columns?: number }).columns;
  if (typeof tty === "number" && tty > 0) return tty;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 100;
}

/** Natural widths of columns from rows known in advance (e.g. `nlp models`). */
export function widthsOf(records: readonly OutRecord[], columns: readonly string[]): Record<string, number> {
  const w: Record<string, number> = {};
  for (const c of columns) w[c] = Math.max(stringWidth(c), ...records.map((r) => stringWidth(tableCell(r[c]))));
  return w;
}

/**
 * Which columns to show and how wide, to fit `total`: drop columns (highest
 * `drop` first) until their minimum widths fit, then cut the columns that may
 * shrink, widest first. Undroppable, unshrinkable columns may still overflow.
 */
export function fitColumns(columns: readonly string[], headings: readonly string[], fits: Record<string, ColumnFit>, total: number): { index: number; width: number }[] {
  let cols = columns.map((c, index) => {
    const f = fits[c] ?? (c === "text" ? TEXT_COLUMN : OTHER_COLUMN);
    const heading = stringWidth(headings[index]);
    const width = Math.max(heading, f.width ?? 0);
    return { index, width, min: Math.min(width, Math.max(heading, f.min ?? width)), drop: f.drop ?? 0 };
  });
  const need = (cs: typeof cols, key: "width" | "min") => cs.reduce((n, c) => n + c[key], 0) + GAP.length * (cs.length - 1);
  while (need(cols, "min") > total) {
    const victim = cols.reduce<(typeof cols)[number] | undefined>((v, c) => (c.drop > 0 && (!v || c.drop > v.drop) ? c : v), undefined);
    if (!victim) break;
    cols = cols.filter((c) => c !== victim);
  }
  let excess = need(cols, "width") - total;
  while (excess > 0) {
    const widest = cols.filter((c) => c.width > c.min).sort((a, b) => b.width - b.min - (a.width - a.min))[0];
    if (!widest) break;
    const cut = Math.min(excess, widest.width - widest.min, Math.max(1, Math.ceil(excess / 2)));
    widest.width -= cut;
    excess -= cut;
  }
  return cols.map(({ index, width }) => ({ index, width }));
}

/** One table cell: numbers with 4 decimals, text as terminalText shows it. */
function tableCell(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(4);
  return terminalText(cell(v));
}

/** Text for a terminal: whitespace runs as one space, any other control character as U+FFFD (a review holding ESC[2J must not clear the reader's screen). */
export function terminalText(s: string): string {
  return s.replace(/\s+/g, " ").replace(/\p{Cc}/gu, "\ufffd");
}

/**
 * A cell in exactly `width` terminal columns: measured with string-width (CJK and emoji take two columns, a
 * combining accent none) and cut between graphemes, never inside one (nor between a surrogate pair's halves).
 */
function fitCell(s: string, width: number, right: boolean): string {
  let text = s;
  let w = stringWidth(s);
  if (w > width) {
    if (width <= 1) return "…".padEnd(width);
    text = "";
    w = 1; // the …
    for (const { segment } of graphemeSegmenter().segment(s)) {
      const g = stringWidth(segment);
      if (w + g > width) break;
      text += segment;
      w += g;
    }
    text += "…";
  }
  const pad = " ".repeat(width - w);
  return right ? pad + text : text + pad;
}

/**
 * A table for the terminal that streams: the column widths are settled before
 * the first row (from the width to fit and each column's expected width), so
 * each row is printed as soon as it is scored; longer cells are cut with ….
 * No borders and no rules between rows: columns two spaces apart, one rule
 * under the header. Hand-written because cli-table3 needs every row before it
 * can size the columns.
 */
function tableWriter(out: Writable, opts: WriterOptions): RecordWriter {
  const headings = opts.headings ?? opts.columns;
  let layout: { index: number; width: number }[] | undefined;
  const line = (cells: string[], right: boolean[]) => layout!.map((c, i) => fitCell(cells[c.index], c.width, right[i])).join(GAP).trimEnd() + "\n";
  const start = (): string => {
    layout = fitColumns(opts.columns, headings, opts.table ?? {}, opts.width ?? terminalWidth(out, opts.env));
    return line([...headings], layout.map(() => false)) + layout.map((c) => "─".repeat(c.width)).join(GAP) + "\n";
  };
  return {
    async write(r) {
      const head = layout ? "" : start();
      const values = opts.columns.map((c) => r[c]);
      const right = layout!.map((c) => typeof values[c.index] === "number");
      await put(out, head + line(values.map(tableCell), right));
    },
    async end() {
      if (!layout) await put(out, start());
    },
  };
}
