/** Running classify/eval records through the one document orchestration (registration is in document-options.ts). */
import { InputError } from "../errors.js";
import type { InputRecord } from "../io/input.js";
import type { OutRecord } from "../io/output.js";
import { classifyRecords, type DocumentOptions, type DocumentPlan, type DocumentScorer } from "../tasks/classify/documents.js";
import type { ScoreFunction } from "../engine/postprocess.js";
import type { DocumentCliOptions } from "./document-options.js";

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

/** Fields that lead each record at sentence level. */
export const SENTENCE_COLUMNS = ["doc", "sentence", "begin", "end"];

export interface CliResult {
  /** the input record's source to echo (at sentence level: the row the sentence is from) */
  source: unknown;
  /** 1-based input line, for messages */
  line: number;
  text: string;
  /** scores in the run's label order; absent on an error record */
  scores?: number[];
  error?: string;
  /** fields to put first (sentence level) */
  lead?: OutRecord;
}

export interface CliRun {
  /** the labels the scores are for (the model's, or the zero-shot candidates) */
  labels: string[];
  plan?: DocumentPlan;
  results: AsyncGenerator<CliResult>;
  /** after the output is closed: throws when texts were refused (exit 1) */
  finish(): void;
}

/**
 * The library's classifyRecords (the one orchestration) with the CLI's handling of a record that got no
 * scores: an empty text under zero-shot gives an error record in its place and one stderr line at the end
 * naming the lines (exit 1), or, with --skip-invalid, a notice per skipped text and no record (exit 0).
 * The flags are checked when this is called, before any record is read.
 */
export function runDocuments(
  model: DocumentScorer,
  records: AsyncIterable<InputRecord>,
  opts: DocumentCliOptions & {
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
  const run = classifyRecords(model, records, (r) => r.text, { ...documentOptionsFrom(opts), function: opts.function, batchSize: opts.batchSize });
  async function* results(): AsyncGenerator<CliResult> {
    let lastDoc = -1;
    for await (const u of run.results) {
      if (u.doc !== lastDoc) onText(u.truncated);
      lastDoc = u.doc;
      const { source, line } = u.item;
      if (u.error) {
        if (opts.skipInvalid) {
          opts.warn?.(`skipped: line ${line}: ${u.error}`);
          continue;
        }
        if (refused++ < 5) refusedLines.push(line);
        yield { source, line, text: u.text, error: u.error };
        continue;
      }
      if (u.sentence === null) {
        // a document with no sentence (empty or blank) still gets its record: no sentence, no label
        yield { source, line, text: u.text, lead: { doc: u.doc, sentence: null, begin: null, end: null } };
        continue;
      }
      const lead = u.sentence ? { doc: u.doc, sentence: u.sentence.index, begin: u.sentence.begin, end: u.sentence.end } : undefined;
      yield { source, line, text: u.text, scores: u.scores, ...(lead ? { lead } : {}) };
    }
  }
  return {
    labels: run.labels,
    plan: run.plan,
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
