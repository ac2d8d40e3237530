import type { CliIO } from "../io.js";
import { predictionFrom, validatePredictOptions, type Prediction, type ScoreFunction } from "../../engine/postprocess.js";
import { InputError } from "../../errors.js";
import { createWriter, parseOutputFormat, type ColumnFit, type OutRecord, type RecordWriter } from "../../io/output.js";
import { csvRowObject, isCsvRow } from "../../io/csv-input.js";
import { createCsvRowWriter, type RowWriter } from "../../io/csv-output.js";
import { clashFreePrefix, clashNotice } from "../../io/added-fields.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, openInput } from "../runtime.js";
import { startProgress } from "../progress.js";
import type { DocumentCliOptions } from "../document-options.js";
import { runDocuments, SENTENCE_COLUMNS, type CliResult } from "../document-run.js";
import { interruptible } from "../interrupt.js";
import { RunNotices } from "../notices.js";
import { classifierForCli } from "../remote.js";

export interface ClassifyCliOptions extends ModelCliOptions, InputCliOptions, DocumentCliOptions {
  topK?: number;
  allScores?: boolean;
  threshold?: number;
  function?: string;
  prefix?: string;
  server?: string;
}


export async function runClassify(texts: string[], opts: ClassifyCliOptions, io: CliIO): Promise<void> {
  const fn = opts.function as ScoreFunction | undefined;
  const predict = { topK: opts.topK, allScores: opts.allScores, threshold: opts.threshold, function: fn };
  validatePredictOptions(predict);
  let format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  checkInput(texts, opts, io);
  // a model loaded here, or the server's (client mode): the rest of the run is the same
  const { model, texts: rest } = await classifierForCli(opts, texts, io);
  try {
    const input = await openInput(rest, opts, io);
    const tabularIn = input.format === "csv" || input.format === "tsv";
    // CSV in, CSV out: `nlp classify --input csv < a.csv > labelled.csv` needs no --format
    if (tabularIn && opts.format === undefined && !io.stdout.isTTY) format = input.format as "csv" | "tsv";
    const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
    // the library's one orchestration; the flags are checked here, before a record is read
    const run = runDocuments(model, input.records, { ...opts, function: fn, skipInvalid: opts.skipInvalid, warn, onText: (cut) => notices.text(cut) });
    const { plan, labels } = run;
    const sentence = plan?.level === "sentence";
    const flat = format === "csv" || format === "tsv" || format === "table";
    // the input record comes back with our fields added: as an object (JSON out) or as its CSV row (CSV out)
    const echoObject = (input.format === "jsonl" || tabularIn) && (format === "jsonl" || format === "json");
    const echoRow = tabularIn && (format === "csv" || format === "tsv");
    /** the prediction's fields under prefix p; an error field only in JSON, where it is on error records alone */
    const predictionFields = (p: string): string[] => [
      `${p}label`,
      `${p}score`,
      ...(opts.allScores ? (flat ? labels.map((l) => `${p}score_${l}`) : [`${p}scores`]) : []),
      ...(opts.topK !== undefined || opts.threshold !== undefined ? [`${p}labels`] : []),
      ...(plan?.zeroShot && !flat ? [`${p}error`] : []),
    ];
    // beside an echoed record, every field is ours (the sentence's text and place too) and named clear of the input's
    const addedFields = (p: string): string[] => [...(sentence ? [...SENTENCE_COLUMNS, "text"].map((c) => p + c) : []), ...predictionFields(p)];

    let names: { prefix: string; lead: string[]; text: string } | undefined;
    /** settled on the first record, so every output record has the same fields */
    const settle = (source: unknown): void => {
      const fields = isCsvRow(source) ? source.columns : source && typeof source === "object" && (echoObject || echoRow) ? Object.keys(source) : [];
      const settled = echoObject || echoRow ? clashFreePrefix(fields, addedFields, opts.prefix ?? "") : { prefix: opts.prefix ?? "", clash: [] };
      if (settled.clash.length > 0) warn?.(clashNotice(settled, addedFields(settled.prefix)));
      const lead = echoObject || echoRow ? SENTENCE_COLUMNS.map((c) => settled.prefix + c) : SENTENCE_COLUMNS;
      names = { prefix: settled.prefix, lead, text: echoObject || echoRow ? `${settled.prefix}text` : "text" };
    };
    let writer: RecordWriter | undefined;
    let rowWriter: RowWriter | undefined;
    const writerFor = (): RecordWriter => {
      const p = names!.prefix;
      const columns = [...(sentence ? SENTENCE_COLUMNS : []), "text", ...predictionFields(p)];
      // table: labels and scores keep one width on every row, so rows print as they come
      const table: Record<string, ColumnFit> = {
        [`${p}label`]: { cells: labels },
        [`${p}score`]: { width: 7 }, // "0.1234", "-3.1234" with --function none
        [`${p}labels`]: { width: 48, min: 12 },
      };
      for (const l of labels) table[`${p}score_${l}`] = { width: 7 };
      return (writer ??= createWriter(format, io.stdout, { env: io.env, columns, table }));
    };
    const progress = await startProgress("classifying", { quiet: opts.quiet, fraction: input.fraction }, io);
    const notices = new RunNotices({
      maxLength: model.tokenizer.maxLength,
      userLimit: opts.maxLength !== undefined && opts.maxLength === model.tokenizer.maxLength,
      long: plan?.long,
      fullText: opts.fullText,
    });

    const shape = (s: CliResult, pr: Prediction | undefined): OutRecord => {
      const p = names!.prefix;
      const base: OutRecord = echoObject && s.source && typeof s.source === "object" ? (isCsvRow(s.source) ? csvRowObject(s.source) : { ...(s.source as OutRecord) }) : {};
      if (echoObject && !isCsvRow(s.source) && s.source && typeof s.source === "object") {
        // names were settled on the first record; a later one must not lose a field to them
        const taken = addedFields(p).find((f) => f in (s.source as object));
        if (taken) throw new InputError(`line ${s.line} has a field "${taken}", which the prediction would overwrite; pass --prefix <p> to name the added fields (e.g. --prefix pred_)`);
      }
      const lead = echoObject || echoRow ? names!.lead : SENTENCE_COLUMNS;
      if (s.lead) SENTENCE_COLUMNS.forEach((c, i) => (base[lead[i]] = s.lead![c]));
      // an echoed record carries its own text whole (a CSV row is written as read): only a text of ours is shortened
      if (sentence || !(echoObject || echoRow)) base[names!.text] = notices.echo(s.text);
      base[`${p}label`] = pr?.label ?? null;
      base[`${p}score`] = pr?.score ?? null;
      if (pr?.scores) {
        if (flat) for (const l of labels) base[`${p}score_${l}`] = pr.scores[l];
        else base[`${p}scores`] = pr.scores;
      }
      if (pr?.labels) base[`${p}labels`] = flat ? pr.labels.map((x) => `${x.label}:${x.score.toFixed(4)}`).join(";") : pr.labels;
      if (s.error && !flat) base[`${p}error`] = s.error;
      return base;
    };

    const stop = interruptible(run.results, io.signals);
    let written = 0;
    try {
      for await (const s of stop.items) {
        if (!names) settle(s.source);
        const record = shape(s, s.scores ? predictionFrom(s.scores, labels, predict) : undefined);
        if (echoRow && isCsvRow(s.source)) {
          rowWriter ??= createCsvRowWriter(format as "csv" | "tsv", io.stdout, addedFields(names!.prefix));
          await rowWriter.write(s.source, record);
        } else await writerFor().write(record);
        written++;
        progress.tick();
      }
      // no record: the names from the input's header row, if it had one (a header-only CSV keeps its columns)
      const header = input.header?.();
      if (!names) settle(header);
      if (echoRow && header) rowWriter ??= createCsvRowWriter(format as "csv" | "tsv", io.stdout, addedFields(names!.prefix));
      if (rowWriter) await rowWriter.end(header);
      else await writerFor().end();
    } finally {
      progress.stop();
    }
    stop.finish(written);
    // once, at the end, after the output is complete (and the spinner gone)
    for (const line of notices.lines()) warn?.(line);
    run.finish();
  } finally {
    // stops the worker threads and sessions: tests run many commands in one process
    await (model as { dispose?: () => Promise<void> }).dispose?.();
  }
}
