/**
 * CSV/TSV output for CSV/TSV input: every input column, unchanged and in
 * order, then the prediction columns. A header row is written when the input
 * had one; each row is written as soon as it is scored.
 */
import type { Writable } from "node:stream";
import { cell, loadStringify, put } from "./output.js";
import type { CsvRow } from "./csv-input.js";

export interface RowWriter {
  write(row: CsvRow, prediction: Record<string, unknown>): Promise<void>;
  end(): Promise<void>;
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
  /** told about input columns with the same name as an added one (sst2's "label") */
  warn?: (line: string) => void,
): RowWriter {
  // settled on the first row: every row of one input has the same delimiter and header flag
  let delimiter: string | undefined;
  return {
    async write(row, prediction) {
      const stringify = await loadStringify();
      const rows: string[][] = [];
      if (delimiter === undefined) {
        delimiter = outputDelimiter(format, row.delimiter);
        if (row.header) {
          rows.push([...row.columns, ...predictionColumns]);
          const clash = predictionColumns.filter((c) => row.columns.includes(c));
          if (clash.length > 0) warn?.(`the input already has column(s) ${clash.join(", ")}; the added ones come after every input column (--prefix pred_ renames them)`);
        }
      }
      rows.push([...row.values, ...predictionColumns.map((c) => cell(prediction[c]))]);
      await put(out, stringify(rows, { delimiter }));
    },
    async end() {},
  };
}
