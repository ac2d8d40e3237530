/**
 * The classify flags for long documents, sentence level and zero-shot, and
 * the glue that runs them for the CLI: records in, scored results out (one per
 * document, or one per sentence with --level sentence), error records for
 * texts zero-shot refuses.
 */
import { Option, type Command } from "commander";
import { InputError } from "../errors.js";
import type { InputRecord } from "../io/input.js";
import type { OutRecord } from "../io/output.js";
import type { TextClassifier } from "../model/classifier.js";
import { OFFSET_UNITS } from "../model/offsets.js";
import { LEVELS, LONG_MODES, needsDocumentPath, planDocuments, scoreDocuments, type DocumentOptions, type DocumentPlan } from "../model/documents.js";
import type { ScoreFunction } from "../core/postprocess.js";
import { intArg } from "./common.js";

export interface DocumentCliOptions {
  long?: string;
  stride?: number;
  level?: string;
  labels?: string;
  hypothesis?: string;
  multiLabel?: boolean;
  offsets?: string;
}

export function addDocumentOptions(cmd: Command): Command {
  addLongOptions(cmd)
    .addOption(new Option("--level <level>", "document (default) or sentence: one record per sentence with doc, sentence, begin, end").choices(LEVELS))
    .addOption(new Option("--offsets <unit>", "with --level sentence: begin/end as codepoints (Python string indices, the default, as nlp ner) or utf16 (JavaScript string indices)").choices(OFFSET_UNITS));
  return addZeroShotOptions(cmd);
}

/** --long and --stride (classify and eval). */
export function addLongOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--long <mode>", "texts longer than the model's limit: truncate (as transformers), chunk (overlapping windows, averaged) or sentences (each sentence, averaged)").choices(
        LONG_MODES,
      ),
    )
    .option("--stride <n>", "with --long chunk: tokens shared by consecutive windows (default 0)", intArg("--stride", 0));
}

/** --labels, --hypothesis, --multi-label (classify and eval). */
export function addZeroShotOptions(cmd: Command): Command {
  return cmd
    .option("--labels <list>", 'zero-shot with an NLI model: comma-separated candidate labels, e.g. "sports,politics,tech"')
    .option("--hypothesis <template>", 'zero-shot hypothesis, {} marks the label (default "This example is {}.")')
    .option("--multi-label", "zero-shot: score each label on its own instead of making them compete");
}

export function documentOptionsFrom(opts: DocumentCliOptions): DocumentOptions {
  return {
    long: opts.long as DocumentOptions["long"],
    stride: opts.stride,
    level: opts.level as DocumentOptions["level"],
    offsets: opts.offsets as DocumentOptions["offsets"],
    candidateLabels: opts.labels,
    hypothesis: opts.hypothesis,
    multiLabel: opts.multiLabel,
  };
}

/** The plan for these flags, or undefined when plain classification applies. */
export function planFromCli(model: TextClassifier, opts: DocumentCliOptions): DocumentPlan | undefined {
  const docs = documentOptionsFrom(opts);
  return needsDocumentPath(docs) ? planDocuments(model, docs) : undefined;
}

/** Fields that lead each record at sentence level. */
export const SENTENCE_COLUMNS = ["doc", "sentence", "begin", "end"];

export interface CliResult {
  /** the input record's source to echo (at sentence level: the row the sentence is from) */
  source: unknown;
  /** 1-based input line, for messages */
  line: number;
  text: string;
  /** scores in the plan's label order; absent on an error record */
  scores?: number[];
  error?: string;
  /** fields to put first (sentence level) */
  lead?: OutRecord;
}

export interface CliRun {
  results: AsyncGenerator<CliResult>;
  /** after the output is closed: throws when texts were refused (exit 1) */
  finish(): void;
}

/**
 * Runs records through the plan (or plain classification without one). An empty
 * text under zero-shot gives an error record in its place and one stderr line at
 * the end naming the lines (exit 1), or, with --skip-invalid, a notice per
 * skipped text and no record (exit 0).
 */
export function runDocuments(
  model: TextClassifier,
  records: AsyncIterable<InputRecord>,
  plan: DocumentPlan | undefined,
  opts: {
    function?: ScoreFunction;
    batchSize?: number;
    skipInvalid?: boolean;
    warn?: (line: string) => void;
    /** called once per input text scored: whether it was cut at the token limit (for the end-of-run notice) */
    onText?: (cut: boolean) => void;
  },
): CliRun {
  let refused = 0;
  const refusedLines: number[] = [];
  const onText = opts.onText ?? (() => undefined);
  async function* results(): AsyncGenerator<CliResult> {
    if (!plan) {
      for await (const s of model.scoreStream(records, (r) => r.text, opts)) {
        onText(s.encoded.fullLength > s.encoded.ids.length);
        yield { source: s.item.source, line: s.item.line, text: s.item.text, scores: s.scores };
      }
      return;
    }
    let lastDoc = -1;
    for await (const u of scoreDocuments(model, records, (r) => r.text, plan, opts)) {
      if (u.doc !== lastDoc) onText(Boolean(u.truncated));
      lastDoc = u.doc;
      const { source, line } = u.item;
      if (u.error) {
        if (opts.skipInvalid) {
          opts.warn?.(`skipped: line ${line}: ${u.error}`);
          continue;
        }
        if (refused++ < 5) refusedLines.push(line);
        yield { source, line, text: u.item.text, error: u.error };
        continue;
      }
      if (u.sentence) {
        const lead = { doc: u.doc, sentence: u.sentence.index, begin: u.sentence.begin, end: u.sentence.end };
        yield { source, line, text: u.sentence.text, scores: u.scores, lead };
      } else yield { source, line, text: u.item.text, scores: u.scores };
    }
  }
  return {
    results: results(),
    finish() {
      if (refused > 0 && !opts.skipInvalid) {
        const lines = refusedLines.join(", ") + (refused > refusedLines.length ? ", …" : "");
        throw new InputError(
          `${refused} empty text(s) (line ${lines}) got no label: zero-shot needs a non-empty text; drop empty lines or pass --skip-invalid to skip them`,
        );
      }
    },
  };
}
