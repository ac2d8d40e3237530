import type { CliIO } from "../io.js";
import { computeMetrics, goldLabelMatcher, parseLabelMap, type EvalMetrics, type LabelPair } from "../../tasks/classify/metrics.js";
import { predictionFrom } from "../../engine/postprocess.js";
import { InputError, UsageError } from "../../errors.js";
import { isCsvRow, pickColumn } from "../../io/csv-input.js";
import { getPath, inputFormatFor } from "../../io/input.js";
import { type ModelCliOptions } from "../common.js";
import { checkInput, openInput } from "../runtime.js";
import { classifierForCli } from "../remote.js";
import type { DocumentCliOptions } from "../document-options.js";
import { runDocuments } from "../document-run.js";
import { startProgress } from "../progress.js";

export interface EvalCliOptions extends ModelCliOptions, DocumentCliOptions {
  file?: string;
  input?: string;
  textColumn?: string;
  labelColumn: string;
  labelMap?: string;
  header?: boolean;
  delimiter?: string;
  quote?: string;
  skipInvalid?: boolean;
  format: string;
  quiet?: boolean;
  server?: string;
}


export async function runEval(opts: EvalCliOptions, io: CliIO): Promise<void> {
  const format = opts.format.toLowerCase();
  if (format !== "table" && format !== "json") throw new UsageError(`unknown --format "${opts.format}"; eval writes table or json`);
  if (opts.level !== undefined) throw new UsageError("eval scores whole records; --level is for classify");
  const labelMap = opts.labelMap !== undefined ? parseLabelMap(opts.labelMap) : undefined;
  const inFormat = inputFormatFor(opts);
  if (inFormat !== "csv" && inFormat !== "tsv" && inFormat !== "jsonl") {
    throw new UsageError(`eval reads .tsv, .csv or .jsonl files; name the format with --input csv|tsv|jsonl (got ${opts.file})`);
  }
  const tabular = inFormat !== "jsonl";
  const header = opts.header !== false;
  const quiet = opts.quiet || format === "json";

  checkInput([], { ...opts, input: inFormat }, io);
  const { model } = await classifierForCli({ ...opts, quiet }, [], io);
  const warn = quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
  // the same reader, binary guard and text-column guess as classify, with eval's flag names in messages
  const input = await openInput([], {
    file: opts.file,
    input: inFormat,
    column: tabular ? opts.textColumn : undefined,
    textKey: tabular ? undefined : (opts.textColumn ?? "text"),
    textFlag: "--text-column",
    goldColumn: opts.labelColumn,
    header: opts.header,
    delimiter: opts.delimiter,
    quote: opts.quote,
    skipInvalid: opts.skipInvalid,
    quiet,
  }, io);
  // the library's one orchestration (the flags are checked here); labels: the model's or the zero-shot candidates
  const run = runDocuments(model, input.records, { ...opts, skipInvalid: opts.skipInvalid, warn });
  const labels = run.labels;
  const toModelLabel = goldLabelMatcher(labels, labelMap);
  let labelIndex: number | undefined;
  const goldOf = (source: unknown, line: number): string => {
    if (isCsvRow(source)) {
      labelIndex ??= pickColumn(source.columns, opts.labelColumn, header, { flag: "--label-column" });
      return source.values[labelIndex] ?? "";
    }
    const v = getPath(source, opts.labelColumn);
    if (v === undefined || v === null) {
      throw new InputError(`line ${line} has no "${opts.labelColumn}" field; pass --label-column <field> to name the gold label`);
    }
    return typeof v === "string" ? v : JSON.stringify(v);
  };

  const pairs: LabelPair[] = [];
  const rawGold = new Set<string>();
  const progress = await startProgress("evaluating", { quiet, fraction: input.fraction }, io);
  const started = performance.now();
  try {
    for await (const s of run.results) {
      if (!s.scores) continue; // a text zero-shot refused: run.finish() reports it
      const raw = goldOf(s.source, s.line).trim();
      rawGold.add(raw);
      pairs.push({ gold: toModelLabel(raw), predicted: predictionFrom(s.scores, labels).label });
      progress.tick();
    }
    run.finish();
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (pairs.length === 0) throw new InputError(`${opts.file} has no data rows to evaluate`);
  const m = computeMetrics(pairs, labels);
  if (m.rows === 0) {
    if (m.unknownGold.every((u) => u.label === "")) {
      throw new UsageError(`the gold label column "${opts.labelColumn}" is empty in every row; name the column that holds the labels with --label-column`);
    }
    const values = [...rawGold].slice(0, 10);
    const guess = values.every((v) => /^\d+$/.test(v)) ? ` (e.g. --label-map ${labels.map((l, i) => `${i}=${l}`).join(",")} if the values are label ids)` : "";
    throw new UsageError(
      `none of the file's labels (${values.join(", ")}) is a label of the model (${labels.join(", ")}); map them with --label-map value=LABEL,...${guess}`,
    );
  }
  const rowsPerSecond = pairs.length / seconds;
  const name = model.resolved.ref;
  if (format === "json") {
    io.stdout.write(JSON.stringify(jsonReport(m, { model: name, file: opts.file!, variant: model.info.variant, seconds, rowsPerSecond }), null, 2) + "\n");
  } else {
    io.stdout.write(await tableReport(m, { model: name, file: opts.file!, variant: model.info.variant, seconds, rowsPerSecond }));
  }
  await model.dispose();
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
    if (u.label === "") notes.push(`${u.rows} row(s) have an empty gold label: set aside, not scored`);
    else notes.push(`gold label "${u.label}" is not a model label: ${u.rows} row(s) set aside, not scored (map it with --label-map ${u.label}=LABEL)`);
  }
  for (const a of m.absentFromData) {
    notes.push(`model label ${a.label} never occurs in the file (predicted ${a.predicted} time(s); those predictions count as errors)`);
  }
  if (notes.length) lines.push("", ...notes.map((n) => `note: ${n}`));
  return lines.join("\n") + "\n";
}
