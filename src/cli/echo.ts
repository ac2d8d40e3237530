/**
 * Why: embed, similarity and rerank echo JSONL/CSV input records with their
 * own fields added, under the project's one rule for added names (never
 * overwrite an input field: settle a clash-free prefix on the first record and
 * say so once), written as objects (JSON out) or as the CSV row (CSV out).
 */
import type { Writable } from "node:stream";
import { InputError } from "../errors.js";
import { clashFreePrefix, clashNotice } from "../io/added-fields.js";
import { csvRowObject, isCsvRow, type CsvRow } from "../io/csv-input.js";
import { createCsvRowWriter, type RowWriter } from "../io/csv-output.js";
import { createWriter, type OutRecord, type OutputFormat, type RecordWriter } from "../io/output.js";

export interface EchoOptions {
  /** the input's format: args, lines, jsonl, csv, tsv */
  inputFormat: string;
  format: OutputFormat;
  out: Writable;
  /** where $COLUMNS is read for a table (CliIO.env) */
  env?: NodeJS.ProcessEnv;
  /** fields of a record that is not echoed (e.g. text), before the added ones */
  plainFields: string[];
  /** the fields the command adds (e.g. embedding) */
  added: string[];
  /** --prefix */
  prefix?: string;
  warn?: (line: string) => void;
}

export interface Echo {
  /** writes one result: `plain` fields when the input record is not echoed, `added` fields always */
  write(source: unknown, line: number, plain: OutRecord, added: OutRecord): Promise<void>;
  /** `header`: the input's header row (OpenedInput.header), echoed with ours when no record came */
  end(header?: CsvRow): Promise<void>;
}

export function createEcho(o: EchoOptions): Echo {
  const tabularIn = o.inputFormat === "csv" || o.inputFormat === "tsv";
  const echoObject = (o.inputFormat === "jsonl" || tabularIn) && (o.format === "jsonl" || o.format === "json");
  const echoRow = tabularIn && (o.format === "csv" || o.format === "tsv");
  const names = (p: string) => o.added.map((a) => p + a);
  let prefix: string | undefined;
  let writer: RecordWriter | undefined;
  let rowWriter: RowWriter | undefined;
  const settle = (source: unknown) => {
    const fields = isCsvRow(source) ? source.columns : source && typeof source === "object" && (echoObject || echoRow) ? Object.keys(source) : [];
    const settled = echoObject || echoRow ? clashFreePrefix(fields, names, o.prefix ?? "") : { prefix: o.prefix ?? "", clash: [] };
    if (settled.clash.length > 0) o.warn?.(clashNotice(settled, names(settled.prefix)));
    prefix = settled.prefix;
  };
  const writerFor = () => (writer ??= createWriter(o.format, o.out, { env: o.env, columns: [...o.plainFields, ...names(prefix!)] }));
  return {
    async write(source, line, plain, added) {
      if (prefix === undefined) settle(source);
      const renamed: OutRecord = {};
      for (const [k, v] of Object.entries(added)) renamed[prefix + k] = v;
      if (echoRow && isCsvRow(source)) {
        rowWriter ??= createCsvRowWriter(o.format as "csv" | "tsv", o.out, names(prefix!));
        await rowWriter.write(source, renamed);
        return;
      }
      if (echoObject && source && typeof source === "object") {
        if (!isCsvRow(source)) {
          // names were settled on the first record; a later one must not lose a field to them
          const taken = Object.keys(renamed).find((f) => f in source);
          if (taken) throw new InputError(`line ${line} has a field "${taken}", which the output would overwrite; pass --prefix <p> to name the added fields (e.g. --prefix pred_)`);
        }
        await writerFor().write({ ...(isCsvRow(source) ? csvRowObject(source) : (source as OutRecord)), ...renamed });
        return;
      }
      await writerFor().write({ ...plain, ...renamed });
    },
    async end(header) {
      // no record: the names from the input's header row, if it had one (a header-only CSV keeps its columns)
      if (prefix === undefined) settle(header);
      if (echoRow && header) rowWriter ??= createCsvRowWriter(o.format as "csv" | "tsv", o.out, names(prefix!));
      if (rowWriter) await rowWriter.end(header);
      else await writerFor().end();
    },
  };
}
