import type { Command } from "commander";
import { predictionFrom, type Prediction, type ScoreFunction } from "../../core/postprocess.js";
import { validatePredictOptions } from "../../model/classifier.js";
import { createWriter, parseOutputFormat, type OutRecord } from "../../io/output.js";
import { csvRowObject, isCsvRow } from "../../io/csv-input.js";
import { createCsvRowWriter } from "../../io/csv-output.js";
import { addInputOptions, addModelOptions, floatArg, intArg, type InputCliOptions, type ModelCliOptions } from "../common.js";
import { loadForCli, openInput } from "../runtime.js";
import { startProgress } from "../progress.js";
import { addDocumentOptions, planFromCli, runDocuments, SENTENCE_COLUMNS, type DocumentCliOptions } from "../document-options.js";
import { interruptible } from "../interrupt.js";
import { RunNotices } from "../notices.js";

interface ClassifyCliOptions extends ModelCliOptions, InputCliOptions, DocumentCliOptions {
  topK?: number;
  allScores?: boolean;
  threshold?: number;
  function?: string;
  prefix?: string;
}

export function registerClassify(program: Command): void {
  const cmd = program
    .command("classify")
    .description("label texts with a text-classification model")
    .argument("[text...]", "texts to classify (else --file, else stdin, one record per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  addDocumentOptions(cmd);
  cmd
    .option("--top-k <n>", "list the n best labels per text under \"labels\"", intArg("--top-k"))
    .option("--all-scores", "add every label's score (\"scores\" in JSON, score_<label> columns in CSV/TSV)")
    .option("--threshold <t>", "list every label scoring ≥ t under \"labels\" (multi-label models)", floatArg("--threshold", 0, 1))
    .option("--function <fn>", "score function: softmax, sigmoid or none (default: from the model config, as transformers)")
    .option("--prefix <p>", "prefix for the added fields/columns (label, score, …), e.g. pred_", "")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp classify -m ./my-bundle "A heartwarming and funny movie"
  $ cat reviews.txt | nlp classify -m ./my-bundle --format csv > labelled.csv
  $ nlp classify -m ./my-bundle --input jsonl --text-key text --format jsonl --all-scores < texts.jsonl
  $ nlp classify -m ./go-emotions --threshold 0.3 --format json "I love it, thanks!"
  $ nlp classify -m ./my-bundle --long chunk --stride 128 -f long-reviews.txt
  $ nlp classify -m ./my-bundle --level sentence "Great screen. Awful battery."
  $ nlp classify -m zero-shot --labels "sports,politics,tech" --all-scores "The match went to penalties"`,
    )
    .action(async (texts: string[], opts: ClassifyCliOptions) => runClassify(texts, opts));
}

async function runClassify(texts: string[], opts: ClassifyCliOptions): Promise<void> {
  const fn = opts.function as ScoreFunction | undefined;
  const predict = { topK: opts.topK, allScores: opts.allScores, threshold: opts.threshold, function: fn };
  validatePredictOptions(predict, 0);
  let format = parseOutputFormat(opts.format, Boolean(process.stdout.isTTY));
  const { model, texts: rest } = await loadForCli(opts, texts);
  const input = await openInput(rest, opts);
  const tabularIn = input.format === "csv" || input.format === "tsv";
  // CSV in, CSV out: `nlp classify --input csv < a.csv > labelled.csv` needs no --format
  if (tabularIn && opts.format === undefined && !process.stdout.isTTY) format = input.format as "csv" | "tsv";
  const p = opts.prefix ?? "";
  const plan = planFromCli(model, opts);
  const labels = plan?.labels ?? model.labels;
  const passThrough = (input.format === "jsonl" || tabularIn) && (format === "jsonl" || format === "json");
  const columns = [...(plan?.level === "sentence" ? SENTENCE_COLUMNS : []), "text", `${p}label`, `${p}score`];
  if (opts.allScores) columns.push(...labels.map((l) => `${p}score_${l}`));
  if (opts.topK !== undefined || opts.threshold !== undefined) columns.push(`${p}labels`);
  if (plan?.zeroShot) columns.push(`${p}error`);
  // table: labels and scores keep their width on every row, so rows print as they come
  const table: Record<string, { width: number; min?: number }> = {
    [`${p}label`]: { width: Math.max(...labels.map((l) => l.length)) },
    [`${p}score`]: { width: 7 }, // "0.1234", "-3.1234" with --function none
    [`${p}labels`]: { width: 48, min: 12 },
    [`${p}error`]: { width: 48, min: 12 },
  };
  for (const l of labels) table[`${p}score_${l}`] = { width: 7 };
  const writer = createWriter(format, process.stdout, { columns, table });
  const rowWriter = tabularIn && plan?.level !== "sentence" && (format === "csv" || format === "tsv") ? createCsvRowWriter(format, process.stdout, columns.slice(1), opts.quiet ? undefined : (l) => process.stderr.write(`nlp: ${l}\n`)) : undefined;
  const progress = await startProgress("classifying", { quiet: opts.quiet, fraction: input.fraction });

  const notices = new RunNotices({
    maxLength: model.tokenizer.maxLength,
    userLimit: opts.maxLength !== undefined && opts.maxLength === model.tokenizer.maxLength,
    long: plan?.long,
    fullText: opts.fullText,
  });
  const shape = (source: unknown, text: string, pr: Prediction): OutRecord => {
    const base: OutRecord =
      passThrough && source && typeof source === "object"
        ? isCsvRow(source)
          ? csvRowObject(source)
          : { ...(source as OutRecord) }
        : { text: notices.echo(text) };
    base[`${p}label`] = pr.label;
    base[`${p}score`] = pr.score;
    if (pr.scores) {
      if (format === "csv" || format === "tsv" || format === "table") for (const l of labels) base[`${p}score_${l}`] = pr.scores[l];
      else base[`${p}scores`] = pr.scores;
    }
    if (pr.labels) {
      base[`${p}labels`] =
        format === "csv" || format === "tsv" || format === "table" ? pr.labels.map((x) => `${x.label}:${x.score.toFixed(4)}`).join(";") : pr.labels;
    }
    return base;
  };

  const warn = opts.quiet ? undefined : (l: string) => process.stderr.write(`nlp: ${l}\n`);
  const run = runDocuments(model, input.records, plan, { ...predict, skipInvalid: opts.skipInvalid, warn, onText: (cut) => notices.text(cut) });
  const stop = interruptible(run.results);
  let written = 0;
  try {
    for await (const s of stop.items) {
      let record = shape(s.source, s.text, s.scores ? predictionFrom(s.scores, labels, predict) : ({ label: null, score: null } as unknown as Prediction));
      if (s.error) record[`${p}error`] = s.error;
      if (s.lead) record = { ...s.lead, ...record };
      if (rowWriter && isCsvRow(s.source)) await rowWriter.write(s.source, record);
      else await writer.write(record);
      written++;
      progress.tick();
    }
    await (rowWriter ?? writer).end();
  } finally {
    progress.stop();
  }
  stop.finish(written);
  // once, at the end, after the output is complete (and the spinner gone)
  for (const line of notices.lines()) warn?.(line);
  run.finish();
}
