/**
 * CSV and TSV input, streamed through csv-parse: a header row (or none with
 * --no-header), the text column by name or 1-based number, quoted fields with
 * newlines, a BOM, CRLF. Each record keeps its whole row so the output can
 * echo every column back unchanged.
 */
import { Readable } from "node:stream";
import { InputError, UsageError } from "../errors.js";
import { registerReader, type InputOptions, type InputRecord, type RecordReader } from "./input.js";

/** The `source` of a CSV/TSV record: the row as read, and the column names. */
export interface CsvRow {
  kind: "csv-row";
  /** header names, or col1…colN when the input has no header row */
  columns: string[];
  /** whether the input had a header row (the output then has one too) */
  header: boolean;
  /** every field of the row, in input order */
  values: string[];
  /** the delimiter the input used, so CSV output can keep it */
  delimiter: string;
}

export function isCsvRow(x: unknown): x is CsvRow {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "csv-row";
}

/** The row as an object (column → value), for JSON output; later duplicates win. */
export function csvRowObject(row: CsvRow): Record<string, string> {
  const o: Record<string, string> = {};
  row.columns.forEach((c, i) => (o[c] = row.values[i] ?? ""));
  return o;
}

export function parseDelimiter(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const named: Record<string, string> = { tab: "\t", "\\t": "\t", comma: ",", semicolon: ";", pipe: "|", space: " " };
  const d = named[value.toLowerCase()] ?? value;
  if (d.length !== 1 || d === '"' || d === "\n" || d === "\r") {
    throw new UsageError(`--delimiter must be one character (or tab, comma, semicolon, pipe), got "${value}"`);
  }
  return d;
}

/**
 * Which field holds the text: --column by header name (exact, then ignoring
 * case) or by 1-based number; without --column, a column named "text", or the
 * only column.
 */
export function pickColumn(columns: readonly string[], column: string | undefined, header: boolean): number {
  const list = header ? columns.map((c) => JSON.stringify(c)).join(", ") : `1-${columns.length}`;
  if (column === undefined) {
    if (columns.length === 1) return 0;
    const i = header ? columns.findIndex((c) => c.trim().toLowerCase() === "text") : -1;
    if (i >= 0) return i;
    throw new UsageError(`which column holds the text? pass --column <name or number> (columns: ${list})`);
  }
  if (header) {
    let i = columns.indexOf(column);
    if (i < 0) i = columns.findIndex((c) => c.trim().toLowerCase() === column.trim().toLowerCase());
    if (i >= 0) return i;
  }
  if (/^\d+$/.test(column)) {
    const n = Number(column);
    if (n >= 1 && n <= columns.length) return n - 1;
    throw new UsageError(`--column ${column} is out of range: the input has ${columns.length} column(s) (columns: ${list})`);
  }
  throw new UsageError(
    header
      ? `no column "${column}" in the header (columns: ${list}); pass --column with one of them or its number`
      : `--column "${column}" names a column but the input has no header (--no-header); pass a number 1-${columns.length}`,
  );
}

function invalid(opts: InputOptions, msg: string, fix: string): void {
  if (!opts.skipInvalid) throw new InputError(`${msg}; ${fix}`);
  opts.warn?.(`skipped: ${msg}`);
}

export function csvReader(defaultDelimiter: string): RecordReader {
  return async function* csvRecords(stream, opts): AsyncGenerator<InputRecord> {
    const delimiter = parseDelimiter(opts.delimiter, defaultDelimiter);
    const header = opts.header !== false;
    // csv-parse loads only when CSV is read: plain-text runs never pay for it
    const { parse } = await import("csv-parse");
    const parser = parse({
      delimiter,
      bom: true,
      info: true,
      // field counts are checked here, to name the row and honour --skip-invalid
      relax_column_count: true,
      // a stray quote inside an unquoted field is text (common in TSV), not an error
      relax_quotes: true,
      skip_records_with_error: Boolean(opts.skipInvalid),
      on_skip: (err) => {
        if (err) opts.warn?.(`skipped: invalid CSV: ${err.message}`);
        return undefined;
      },
    });
    const source = Readable.from(stream, { objectMode: false });
    source.on("error", (err) => parser.destroy(err));
    source.pipe(parser);

    let columns: string[] | undefined;
    let textIndex = 0;
    let row = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (columns === undefined) {
          columns = header ? record : record.map((_, i) => `col${i + 1}`);
          textIndex = pickColumn(columns, opts.column, header);
          if (header) continue;
        }
        row++;
        // a blank line in a multi-column file is not a row (as pandas reads it); in a one-column file it is an empty cell
        if (record.length === 1 && record[0] === "" && columns.length > 1) continue;
        if (record.length !== columns.length) {
          invalid(
            opts,
            `row ${row} (line ${info.lines}) has ${record.length} field(s) but ${header ? "the header has" : "the first row has"} ${columns.length}`,
            `quote fields that contain "${delimiter === "\t" ? "\\t" : delimiter}" or newlines, check --delimiter, or pass --skip-invalid to report and skip such rows`,
          );
          continue;
        }
        const csvRow: CsvRow = { kind: "csv-row", columns, header, values: record, delimiter };
        yield { text: record[textIndex] ?? "", source: csvRow, line: info.lines };
      }
    } catch (err) {
      if (err instanceof InputError || err instanceof UsageError) throw err;
      const e = err as { code?: string; message: string };
      if (typeof e.code === "string" && e.code.startsWith("CSV_")) {
        throw new InputError(`invalid CSV: ${e.message}; fix the quoting there (a field with quotes must be wrapped in "…" with inner quotes doubled) or check --delimiter`);
      }
      throw err;
    } finally {
      source.unpipe(parser);
      source.destroy();
    }
  };
}

registerReader("csv", csvReader(","));
registerReader("tsv", csvReader("\t"));
