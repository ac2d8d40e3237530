/**
 * CSV/TSV output for CSV/TSV input: every input column, unchanged and in
 * order, then the prediction columns (named clear of the input's by the
 * caller, see added-fields.ts). A header row is written when the input had
 * one; each row is written as soon as it is scored. TSV rows are quoted only
 * where unquoted TSV cannot hold a value (rowQuote), so a field starting with
 * " comes back as it went in.
 */
import type { Writable } from "node:stream";
import { cell, loadStringify, put, rowQuote, type Stringify } from "./output.js";
import type { CsvRow } from "./csv-input.js";

export interface RowWriter {
  write(row: CsvRow, prediction: Record<string, unknown>): Promise<void>;
  /** `header`: the input's header row, written (with ours) when no row was, as the plain writer writes its header */
  end(header?: CsvRow): Promise<void>;
}

/** TSV output uses tabs; CSV output keeps the input's delimiter (e.g. ";") unless that was a tab. */
export function outputDelimiter(format: "csv" | "tsv", inputDelimiter: string): string {
  if (format === "tsv") return "\t";
  return inputDelimiter === "\t" ? "," : inputDelimiter;
}

export function createCsvRowWriter(
  format: "csv" | "tsv",
  out: Writable,
  predictionColumns: readonly string[],
): RowWriter {
  // settled on the first row: every row of one input has the same delimiter, quoting and header flag
  let delimiter: string | undefined;
  const start = (row: CsvRow, rows: string[][]) => {
    delimiter = outputDelimiter(format, row.delimiter);
    if (row.header) rows.push([...row.columns, ...predictionColumns]);
  };
  // each row quoted as rowQuote says: unquoted TSV in holds no tab or newline, so it comes back unquoted
  const lines = (stringify: Stringify, rows: string[][]) => rows.map((r) => stringify([r], { delimiter, quote: rowQuote(delimiter!, r) })).join("");
  return {
    async write(row, prediction) {
      const stringify = await loadStringify();
      const rows: string[][] = [];
      if (delimiter === undefined) start(row, rows);
      rows.push([...row.values, ...predictionColumns.map((c) => cell(prediction[c]))]);
      await put(out, lines(stringify, rows));
    },
    async end(header) {
      if (delimiter !== undefined || !header) return;
      const rows: string[][] = [];
      start(header, rows);
      if (rows.length > 0) await put(out, lines(await loadStringify(), rows));
    },
  };
}
