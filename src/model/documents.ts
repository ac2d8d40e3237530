/**
 * Long documents, sentence level and zero-shot on top of TextClassifier's one
 * batching path: every document expands into encoded rows (token windows,
 * sentences, or premise/hypothesis pairs), the rows go through scoreStream
 * (length-sorted batches, input order kept), and the rows' scores fold back
 * into one result per document (or per sentence), in input order.
 */
import { BundleError, UsageError } from "../errors.js";
import { weightedMean } from "../core/chunking.js";
import { splitSentences, type Sentence, type SplitterName } from "../core/sentences.js";
import { codePointIndex, OFFSET_UNITS, type OffsetUnit } from "./offsets.js";
import {
  DEFAULT_HYPOTHESIS,
  formatHypothesis,
  nliIndices,
  parseCandidateLabels,
  templateTakesLabel,
  zeroShotScores,
  type NliIndices,
} from "../core/zero-shot.js";
import type { ScoreFunction } from "../core/postprocess.js";
import type { Encoded } from "./tokenizer.js";
import type { TextClassifier } from "./classifier.js";

export type LongMode = "truncate" | "chunk" | "sentences";
export const LONG_MODES: LongMode[] = ["truncate", "chunk", "sentences"];
export type Level = "document" | "sentence";
export const LEVELS: Level[] = ["document", "sentence"];

export interface DocumentOptions {
  /** truncate (default, as transformers), chunk (overlapping token windows) or sentences (classify each sentence, average) */
  long?: LongMode;
  /** with long "chunk": content tokens shared by consecutive windows (HF's stride; default 0) */
  stride?: number;
  /** "sentence": one result per sentence instead of per document */
  level?: Level;
  /** zero-shot: candidate labels (an NLI model is needed) */
  candidateLabels?: string | readonly string[];
  /** zero-shot hypothesis template, "{}" marks the label (default "This example is {}.") */
  hypothesis?: string;
  /** zero-shot: score each label on its own (contradiction vs entailment) */
  multiLabel?: boolean;
  /** sentence splitter (default "rules") */
  splitter?: SplitterName;
  /** level "sentence": begin/end as code points (default, Python indices as Hugging Face gives them) or utf16 (JavaScript indices) */
  offsets?: OffsetUnit;
  function?: ScoreFunction;
  batchSize?: number;
}

/** The message for an empty text in zero-shot mode, as the pipeline words its refusal. */
export const EMPTY_ZERO_SHOT = "empty text: zero-shot classification needs at least one label and a non-empty text (transformers' pipeline refuses it too)";

export interface ScoredUnit<T> {
  item: T;
  /** 0-based position of the document in the input */
  doc: number;
  /** level "sentence": the sentence (index 0-based within its document, begin/end in the plan's offset unit, end exclusive) */
  sentence?: Sentence & { index: number };
  /** scores in `labels` order; absent with `error` */
  scores?: number[];
  /** set when the document cannot be scored (zero-shot on an empty text) */
  error?: string;
  /** whether some of the document's text was cut at the token limit (a long text or sentence under truncation) */
  truncated?: boolean;
}

/** Whether these options need the document path (anything but plain truncation and document level). */
export function needsDocumentPath(opts: DocumentOptions): boolean {
  return (
    (opts.long !== undefined && opts.long !== "truncate") ||
    (opts.level !== undefined && opts.level !== "document") ||
    opts.candidateLabels !== undefined ||
    // so that a stray --stride, --hypothesis or --multi-label is reported, not ignored
    opts.stride !== undefined ||
    opts.hypothesis !== undefined ||
    Boolean(opts.multiLabel)
  );
}

interface ZeroShotPlan {
  labels: string[];
  hypotheses: string[];
  idx: NliIndices;
  multiLabel: boolean;
}

export interface DocumentPlan {
  /** the labels the scores are for: the model's, or the zero-shot candidates */
  labels: string[];
  zeroShot?: ZeroShotPlan;
  long: LongMode;
  level: Level;
  stride: number;
  splitter: SplitterName;
  offsets: OffsetUnit;
}

/** Validates options against the model and fixes labels; throws UsageError / BundleError with the fix. */
export function planDocuments(model: TextClassifier, opts: DocumentOptions): DocumentPlan {
  const long = opts.long ?? "truncate";
  const level = opts.level ?? "document";
  if (!LONG_MODES.includes(long)) throw new UsageError(`--long must be one of ${LONG_MODES.join(", ")}, got "${String(long)}"`);
  if (!LEVELS.includes(level)) throw new UsageError(`--level must be document or sentence, got "${String(level)}"`);
  const stride = opts.stride ?? 0;
  if (opts.stride !== undefined && long !== "chunk") throw new UsageError("--stride only applies with --long chunk");
  const budget = model.tokenizer.contentBudget();
  if (!Number.isInteger(stride) || stride < 0 || stride >= budget) {
    throw new UsageError(
      `--stride must be an integer from 0 to ${budget - 1}: windows hold ${budget} text tokens (max length ${model.tokenizer.maxLength} minus special tokens); lower --stride or raise --max-length`,
    );
  }
  const offsets = opts.offsets ?? "codepoints";
  if (!OFFSET_UNITS.includes(offsets)) throw new UsageError(`--offsets must be ${OFFSET_UNITS.join(" or ")}, got "${String(offsets)}"`);
  const plan: DocumentPlan = { labels: model.labels, long, level, stride, splitter: opts.splitter ?? "rules", offsets };
  if (opts.candidateLabels === undefined) {
    if (opts.hypothesis !== undefined || opts.multiLabel) throw new UsageError("--hypothesis and --multi-label need --labels (zero-shot candidate labels)");
    return plan;
  }
  const labels = parseCandidateLabels(opts.candidateLabels);
  if (labels.length === 0) throw new UsageError('--labels needs at least one label, e.g. --labels "sports,politics,tech"');
  if (long === "chunk") {
    throw new UsageError("--long chunk cannot be combined with --labels (each hypothesis would cut the text differently); use --long sentences or truncate");
  }
  const template = opts.hypothesis ?? DEFAULT_HYPOTHESIS;
  let hypotheses: string[];
  try {
    if (!templateTakesLabel(template)) throw new RangeError("it has no {} where the label goes");
    hypotheses = labels.map((l) => formatHypothesis(template, l));
  } catch (err) {
    throw new UsageError(`--hypothesis "${template}" cannot take the labels: ${(err as Error).message}; e.g. --hypothesis "This text is about {}."`);
  }
  const cfg = model.bundle.configJson;
  const n = model.labels.length;
  // config.json first (as transformers); else the labels the catalog filled in for a config with only LABEL_i
  const idx = nliIndices(cfg.label2id, cfg.id2label, n) ?? nliIndices(undefined, Object.fromEntries(model.labels.map((l, i) => [String(i), l])), n);
  if (!idx) {
    throw new BundleError(
      `${model.bundle.config} has no "entailment" label (labels: ${model.labels.join(", ")}); zero-shot --labels needs an NLI model (see \`nlp models --task zero-shot\`)`,
    );
  }
  return { ...plan, labels, zeroShot: { labels, hypotheses, idx, multiLabel: Boolean(opts.multiLabel) } };
}

interface Row<T> {
  state: DocState<T>;
  seg: number;
  weight: number;
  encoded: Encoded;
}

interface DocState<T> {
  item: T;
  doc: number;
  segments: Sentence[];
  /** per segment, the rows' scores as they come back */
  got: { weight: number; scores: number[]; logits: Float32Array }[][];
  pending: number;
  error?: string;
  /** a row was truncated (never with chunk windows, which cover the whole text) */
  cut: boolean;
}

/**
 * Scores documents under a plan: yields per document (level "document") or per
 * sentence (level "sentence"), in input order. A document with no sentence
 * yields nothing at sentence level; at document level every document yields
 * exactly one unit.
 */
export async function* scoreDocuments<T>(
  model: TextClassifier,
  items: AsyncIterable<T> | Iterable<T>,
  textOf: (item: T) => string,
  plan: DocumentPlan,
  opts: { function?: ScoreFunction; batchSize?: number } = {},
): AsyncGenerator<ScoredUnit<T>> {
  const queue: DocState<T>[] = [];

  async function* expand(): AsyncGenerator<Row<T>> {
    let doc = 0;
    for await (const item of items) {
      const text = textOf(item);
      const state: DocState<T> = { item, doc, segments: [], got: [], pending: 0, cut: false };
      if (plan.zeroShot && text === "") state.error = EMPTY_ZERO_SHOT;
      else {
        const bySentence = plan.level === "sentence" || plan.long === "sentences";
        let segments = bySentence ? splitSentences(text, { splitter: plan.splitter }) : [];
        if (plan.level === "sentence" && plan.offsets === "codepoints") {
          // the splitter counts UTF-16 units; records give the Python indices Hugging Face uses, as nlp ner does
          const cp = codePointIndex(text);
          segments = segments.map((x) => ({ ...x, begin: cp(x.begin), end: cp(x.end) }));
        }
        // no sentence at all (empty or blank text): at document level the whole text is scored, as truncation would
        if (segments.length === 0 && plan.level === "document") segments = [{ begin: 0, end: text.length, text }];
        state.segments = segments;
      }
      const rows: Row<T>[] = [];
      state.segments.forEach((s, seg) => {
        let encs: Encoded[];
        let weights: number[];
        if (plan.zeroShot) {
          encs = plan.zeroShot.hypotheses.map((h) => model.tokenizer.encode(s.text, h));
          weights = encs.map(() => 1);
        } else if (plan.long === "chunk") {
          encs = model.tokenizer.encodeWindows(s.text, plan.stride);
          weights = windowWeights(encs, model.tokenizer.contentBudget());
        } else {
          encs = [model.tokenizer.encode(s.text)];
          weights = [1];
        }
        state.got.push([]);
        encs.forEach((encoded, k) => rows.push({ state, seg, weight: weights[k], encoded }));
      });
      state.pending = rows.length;
      state.cut = plan.long !== "chunk" && rows.some((r) => r.encoded.fullLength > r.encoded.ids.length);
      queue.push(state);
      doc++;
      yield* rows;
    }
  }

  const finished = function* (): Generator<ScoredUnit<T>> {
    while (queue.length > 0 && queue[0].pending === 0) {
      const st = queue.shift()!;
      yield* fold(st, plan);
    }
  };

  for await (const r of model.scoreStream(expand(), () => "", { ...opts, encode: (row) => row.encoded })) {
    const st = r.item.state;
    st.got[r.item.seg].push({ weight: r.item.weight, scores: r.scores, logits: r.logits });
    st.pending--;
    yield* finished();
  }
  yield* finished();
}

/**
 * Window weights: each window's share of text tokens (its length without the
 * special tokens), so a short last window counts less. `budget` is the content
 * length of a full window; special tokens = full window length − budget.
 */
function windowWeights(encs: Encoded[], budget: number): number[] {
  if (encs.length === 1) return [1];
  const specials = encs[0].ids.length - budget;
  return encs.map((e) => Math.max(1, e.ids.length - specials));
}

function* fold<T>(st: DocState<T>, plan: DocumentPlan): Generator<ScoredUnit<T>> {
  if (st.error) {
    if (plan.level === "document") yield { item: st.item, doc: st.doc, error: st.error, truncated: false };
    return;
  }
  const segScores = st.got.map((rows) => {
    if (plan.zeroShot) return zeroShotScores(rows.map((r) => r.logits), plan.zeroShot.idx, plan.zeroShot.multiLabel);
    return weightedMean(
      rows.map((r) => r.scores),
      rows.map((r) => r.weight),
    );
  });
  if (plan.level === "sentence") {
    for (let i = 0; i < st.segments.length; i++) {
      yield { item: st.item, doc: st.doc, sentence: { ...st.segments[i], index: i }, scores: segScores[i], truncated: st.cut };
    }
    return;
  }
  // sentences: every sentence counts the same, as Spark NLP's coalesceSentences averages them
  yield { item: st.item, doc: st.doc, scores: segScores.length === 1 ? segScores[0] : weightedMean(segScores), truncated: st.cut };
}
