import type { Command } from "commander";
import { closeSync, openSync, readSync } from "node:fs";
import { computeMetrics, goldLabelMatcher, parseLabelMap, type EvalMetrics, type LabelPair } from "../../core/metrics.js";
import { predictionFrom } from "../../core/postprocess.js";
import { InputError, UsageError } from "../../errors.js";
import { csvRowObject, isCsvRow, parseDelimiter, pickColumn } from "../../io/csv-input.js";
import { getPath, inputFormatFor, openSource, readRecords, type InputRecord } from "../../io/input.js";
import { addModelOptions, type ModelCliOptions } from "../common.js";
import { loadForCli } from "../runtime.js";
import { startProgress } from "../progress.js";

interface EvalCliOptions extends ModelCliOptions {
  file?: string;
  input?: string;
  textColumn?: string;
  labelColumn: string;
  labelMap?: string;
  header?: boolean;
  delimiter?: string;
  format: string;
  quiet?: boolean;
}

export function registerEval(program: Command): void {
  const cmd = program
    .command("eval")
    .description("measure a model on a labelled file: accuracy, macro-F1, per-label precision/recall/F1, confusion matrix");
  addModelOptions(cmd);
  cmd
    .requiredOption("-f, --file <path>", "labelled data: .tsv, .csv or .jsonl ('-' for stdin with --input)")
    .option("--input <format>", "csv, tsv or jsonl (default: from the file extension)")
    .option("--text-column <c>", 'column (CSV/TSV: name or 1-based number) or JSONL field holding the text (default: "text", else "sentence", else the only other column)')
    .option("--label-column <c>", "column or JSONL field holding the gold label", "label")
    .option("--label-map <map>", "gold value → model label, e.g. 0=NEGATIVE,1=POSITIVE (default: values must be model labels; case is ignored)")
    .option("--no-header", "CSV/TSV: the first row is data (name columns by number)")
    .option("--delimiter <c>", "CSV/TSV field delimiter (default: , for csv, tab for tsv)")
    .option("--format <format>", "output: table or json", "table")
    .option("-q, --quiet", "no progress or notices on stderr")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp eval --file dev.tsv --text-column sentence --label-map 0=NEGATIVE,1=POSITIVE
  $ nlp eval -m ./my-bundle --file test.jsonl --format json | jq .accuracy`,
    )
    .action(async (opts: EvalCliOptions) => runEval(opts));
}

function textOf(r: InputRecord): string {
  return r.text;
}

async function runEval(opts: EvalCliOptions): Promise<void> {
  const format = opts.format.toLowerCase();
  if (format !== "table" && format !== "json") throw new UsageError(`unknown --format "${opts.format}"; eval writes table or json`);
  const labelMap = opts.labelMap !== undefined ? parseLabelMap(opts.labelMap) : undefined;
  const inFormat = inputFormatFor({ input: opts.input, file: opts.file });
  if (inFormat !== "csv" && inFormat !== "tsv" && inFormat !== "jsonl") {
    throw new UsageError(`eval reads .tsv, .csv or .jsonl files; name the format with --input csv|tsv|jsonl (got ${opts.file})`);
  }
  const tabular = inFormat !== "jsonl";
  const header = opts.header !== false;
  const textColumn = tabular ? (opts.textColumn ?? (await guessTextColumn(opts.file, inFormat, opts))) : (opts.textColumn ?? "text");

  const { model } = await loadForCli({ ...opts, quiet: opts.quiet || format === "json" }, []);
  const labels = model.labels;
  const toModelLabel = goldLabelMatcher(labels, labelMap);
  const records = readRecords(inFormat, openSource(opts.file), {
    column: textColumn,
    textKey: textColumn,
    header,
    delimiter: opts.delimiter,
  });
  let labelIndex: number | undefined;
  const goldOf = (r: InputRecord): string => {
    if (isCsvRow(r.source)) {
      labelIndex ??= pickLabelColumn(r.source.columns, opts.labelColumn, header);
      return r.source.values[labelIndex] ?? "";
    }
    const v = getPath(r.source, opts.labelColumn);
    if (v === undefined || v === null) {
      throw new InputError(`line ${r.line} has no "${opts.labelColumn}" field; pass --label-column <field> to name the gold label`);
    }
    return typeof v === "string" ? v : JSON.stringify(v);
  };

  const pairs: LabelPair[] = [];
  const rawGold = new Set<string>();
  const progress = await startProgress("evaluating", { quiet: opts.quiet || format === "json" });
  const started = performance.now();
  try {
    for await (const s of model.scoreStream(records, textOf)) {
      const raw = goldOf(s.item).trim();
      rawGold.add(raw);
      pairs.push({ gold: toModelLabel(raw), predicted: predictionFrom(s.scores, labels).label });
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (pairs.length === 0) throw new InputError(`${opts.file} has no data rows to evaluate`);
  const m = computeMetrics(pairs, labels);
  if (m.rows === 0) {
    const values = [...rawGold].slice(0, 10);
    const guess = values.every((v) => /^\d+$/.test(v)) ? ` (e.g. --label-map ${labels.map((l, i) => `${i}=${l}`).join(",")} if the values are label ids)` : "";
    throw new UsageError(
      `none of the file's labels (${values.join(", ")}) is a label of the model (${labels.join(", ")}); map them with --label-map value=LABEL,...${guess}`,
    );
  }
  const rowsPerSecond = pairs.length / seconds;
  const name = model.resolved.ref;
  if (format === "json") {
    process.stdout.write(JSON.stringify(jsonReport(m, { model: name, file: opts.file!, variant: model.info.variant, seconds, rowsPerSecond }), null, 2) + "\n");
  } else {
    process.stdout.write(await tableReport(m, { model: name, file: opts.file!, variant: model.info.variant, seconds, rowsPerSecond }));
  }
  await model.dispose();
}

/** The label column by name (exact, then any case) or 1-based number. */
function pickLabelColumn(columns: readonly string[], column: string, header: boolean): number {
  try {
    return pickColumn(columns, column, header);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message.replaceAll("--column", "--label-column"));
    throw err;
  }
}

/**
 * Without --text-column: "text", else "sentence" (GLUE's name), else the only
 * column besides the label. Reads just the header line of the file.
 */
async function guessTextColumn(file: string | undefined, format: string, opts: EvalCliOptions): Promise<string | undefined> {
  if (!file || file === "-" || opts.header === false) return undefined;
  const delimiter = parseDelimiter(opts.delimiter, format === "tsv" ? "\t" : ",");
  const buf = Buffer.alloc(65536);
  let n = 0;
  try {
    const fd = openSync(file, "r");
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // the reader reports a missing file with its own message
  }
  // loaded here, not at the top: every nlp command imports this module
  const { parse } = await import("csv-parse/sync");
  let columns: string[];
  try {
    columns = (parse(buf.subarray(0, n), { delimiter, bom: true, to_line: 1, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  } catch {
    return undefined; // the reader reports malformed CSV with its own message
  }
  columns = columns.map((c) => c.trim());
  const lower = columns.map((c) => c.toLowerCase());
  for (const name of ["text", "sentence"]) if (lower.includes(name)) return columns[lower.indexOf(name)];
  const rest = columns.filter((c) => c.toLowerCase() !== opts.labelColumn.toLowerCase());
  if (rest.length === 1) return rest[0];
  throw new UsageError(`which column holds the text? pass --text-column <name or number> (columns: ${columns.map((c) => JSON.stringify(c)).join(", ")})`);
}

interface RunInfo {
  model: string;
  file: string;
  variant: string;
  seconds: number;
  rowsPerSecond: number;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

function jsonReport(m: EvalMetrics, run: RunInfo): Record<string, unknown> {
  return {
    model: run.model,
    variant: run.variant,
    file: run.file,
    accuracy: m.accuracy,
    macro_f1: m.macroF1,
    rows: m.rows,
    correct: m.correct,
    per_label: m.perLabel,
    confusion: { labels: m.labels, rows_are: "gold", columns_are: "predicted", matrix: m.confusion },
    unknown_gold_labels: m.unknownGold,
    set_aside: m.unknownGold.reduce((a, u) => a + u.rows, 0),
    labels_absent_from_data: m.absentFromData,
    seconds: round(run.seconds, 3),
    rows_per_second: round(run.rowsPerSecond, 1),
  };
}

async function tableReport(m: EvalMetrics, run: RunInfo): Promise<string> {
  const { default: Table } = await import("cli-table3");
  const style = { head: [], border: [] };
  const f = (x: number) => x.toFixed(4);
  const setAside = m.unknownGold.reduce((a, u) => a + u.rows, 0);
  const lines = [
    `model     ${run.model} (${run.variant})`,
    `file      ${run.file}`,
    `rows      ${m.rows}${setAside ? ` scored, ${setAside} set aside (gold label unknown to the model)` : ""} · ${Math.round(run.rowsPerSecond)} rows/s`,
    `accuracy  ${f(m.accuracy)} (${m.correct}/${m.rows})`,
    `macro-F1  ${f(m.macroF1)}`,
    "",
  ];
  const per = new Table({ head: ["label", "precision", "recall", "F1", "support", "predicted"], style });
  for (const l of m.perLabel) per.push([l.label, f(l.precision), f(l.recall), f(l.f1), String(l.support), String(l.predicted)]);
  const conf = new Table({ head: ["gold \\ predicted", ...m.labels], style });
  m.labels.forEach((l, i) => conf.push([l, ...m.confusion[i].map(String)]));
  lines.push(per.toString(), "", "confusion matrix (rows: gold label, columns: predicted)", conf.toString());
  const notes: string[] = [];
  for (const u of m.unknownGold) {
    notes.push(`gold label "${u.label}" is not a model label: ${u.rows} row(s) set aside, not scored (map it with --label-map ${u.label}=LABEL)`);
  }
  for (const a of m.absentFromData) {
    notes.push(`model label ${a.label} never occurs in the file (predicted ${a.predicted} time(s); those predictions count as errors)`);
  }
  if (notes.length) lines.push("", ...notes.map((n) => `note: ${n}`));
  return lines.join("\n") + "\n";
}
