/**
 * The one classify orchestration, for the library and the CLI alike (classifyRecords): plain texts go
 * straight through the scorer's batching path; long documents, sentence level and zero-shot expand every
 * document into encoded rows (token windows, sentences, or premise/hypothesis pairs), the rows go through
 * the same scoreStream (length-sorted batches, input order kept), and the rows' scores fold back into one
 * result per document (or per sentence), in input order. It depends on a narrow DocumentScorer, not on
 * TextClassifier, so classifier.ts imports this file and not the other way round.
 */
import { BundleError, UsageError } from "../../errors.js";
import { weightedMean } from "../../engine/chunking.js";
import { splitSentences, type Sentence, type SplitterName } from "../../engine/sentences.js";
import { codePointIndex, OFFSET_UNITS, type OffsetUnit } from "../../engine/offset-units.js";
import {
  DEFAULT_HYPOTHESIS,
  formatHypothesis,
  nliIndices,
  parseCandidateLabels,
  templateTakesLabel,
  zeroShotScores,
  type NliIndices,
} from "./zero-shot.js";
import type { ScoreFunction } from "../../engine/postprocess.js";
import type { Encoded, TextTokenizer } from "../../engine/tokenizer.js";
import type { Bundle } from "../../model/bundle.js";
import { checkedTextOf } from "../texts.js";

export interface ScoredItem<T> {
  item: T;
  /** probabilities (after the score function), in label index order */
  scores: number[];
  logits: Float32Array;
  /** the row's text was cut at the token limit */
  truncated: boolean;
}

/**
 * What the model runs for an item, as plain data (it is encoded where it runs, possibly a worker thread): a text;
 * a text pair (the text cut first, as zero-shot's only_first; `longestFirst` as a cross-encoder's); or tokens
 * already cut (long-document windows).
 */
export type ScoreRow = string | { text: string; pair: string; longestFirst?: boolean } | TokenRow;

/** Tokens already cut, as they travel to a lane: only what the model and the truncation notice need. */
export type TokenRow = Pick<Encoded, "ids" | "typeIds" | "fullLength">;

/** An encoding as a TokenRow (its token strings stay behind: they would be copied to a worker for nothing). */
export function tokenRow(e: TokenRow): TokenRow {
  return { ids: e.ids, typeIds: e.typeIds, fullLength: e.fullLength };
}

export interface ScoreStreamOptions<T> {
  function?: ScoreFunction;
  batchSize?: number;
  /** what the model runs for an item (default: textOf(item)) */
  row?: (item: T) => ScoreRow;
  /** what the items are, for messages ("records 65–128"; default "records") */
  unit?: string;
}

/** What classifying needs of a model: its tokenizer, labels, config and a batched score function (TextClassifier is one). */
export interface DocumentScorer {
  readonly labels: string[];
  readonly tokenizer: Pick<TextTokenizer, "encode" | "encodeWindows" | "contentBudget" | "maxLength">;
  /** config.json (label2id/id2label for zero-shot) and its path, for messages */
  readonly bundle: Pick<Bundle, "config" | "configJson">;
  scoreStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts?: ScoreStreamOptions<T>): AsyncGenerator<ScoredItem<T>>;
}

import { LEVELS, LONG_MODES, type Level, type LongMode } from "./modes.js";
export { LEVELS, LONG_MODES, type Level, type LongMode } from "./modes.js";

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
  /** level "sentence": the sentence (index 0-based within its document, begin/end in the plan's offset unit, end exclusive); null for a document with no sentence */
  sentence?: (Sentence & { index: number }) | null;
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
    // so that a stray --stride, --offsets, --hypothesis or --multi-label is reported, not ignored
    opts.stride !== undefined ||
    opts.offsets !== undefined ||
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
export function planDocuments(model: Omit<DocumentScorer, "scoreStream">, opts: DocumentOptions): DocumentPlan {
  const long = opts.long ?? "truncate";
  const level = opts.level ?? "document";
  if (!LONG_MODES.includes(long)) throw new UsageError(`\`long\` must be one of ${LONG_MODES.join(", ")}, got "${String(long)}"`, { option: "long" });
  if (!LEVELS.includes(level)) throw new UsageError(`\`level\` must be document or sentence, got "${String(level)}"`, { option: "level" });
  const stride = opts.stride ?? 0;
  if (opts.stride !== undefined && long !== "chunk") throw new UsageError("`stride` only applies with `long` chunk", { option: ["stride", "long"] });
  const budget = model.tokenizer.contentBudget();
  if (!Number.isInteger(stride) || stride < 0 || stride >= budget) {
    throw new UsageError(
      `\`stride\` must be an integer from 0 to ${budget - 1}: windows hold ${budget} text tokens (max length ${model.tokenizer.maxLength} minus special tokens); lower \`stride\` or raise \`maxLength\``,
      { option: ["stride", "maxLength"] },
    );
  }
  const offsets = opts.offsets ?? "codepoints";
  if (opts.offsets !== undefined && level !== "sentence") throw new UsageError("`offsets` only applies with `level` sentence (the begin/end it counts)", { option: ["offsets", "level"] });
  if (!OFFSET_UNITS.includes(offsets)) throw new UsageError(`\`offsets\` must be ${OFFSET_UNITS.join(" or ")}, got "${String(offsets)}"`, { option: "offsets" });
  const plan: DocumentPlan = { labels: model.labels, long, level, stride, splitter: opts.splitter ?? "rules", offsets };
  if (opts.candidateLabels === undefined) {
    if (opts.hypothesis !== undefined || opts.multiLabel) throw new UsageError("`hypothesis` and `multiLabel` need `candidateLabels` (zero-shot candidate labels)", { option: ["hypothesis", "multiLabel", "candidateLabels"] });
    return plan;
  }
  const given: unknown = opts.candidateLabels;
  if (!(typeof given === "string" || (Array.isArray(given) && given.every((l) => typeof l === "string")))) {
    throw new UsageError(`\`candidateLabels\` must be a comma-separated string or an array of strings, got ${JSON.stringify(given)}`, { option: "candidateLabels" });
  }
  const labels = parseCandidateLabels(opts.candidateLabels);
  if (labels.length === 0) throw new UsageError('`candidateLabels` needs at least one label, e.g. `candidateLabels` "sports,politics,tech"', { option: "candidateLabels" });
  // a label given twice would be scored twice under one name: "scores" and the CSV columns would keep one
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new UsageError(`\`candidateLabels\` names "${twice}" twice; give each candidate label once`, { option: "candidateLabels" });
  if (long === "chunk") {
    throw new UsageError("`long` chunk cannot be combined with `candidateLabels` (each hypothesis would cut the text differently); use `long` sentences or truncate", {
      option: ["long", "candidateLabels"],
    });
  }
  const template = opts.hypothesis ?? DEFAULT_HYPOTHESIS;
  let hypotheses: string[];
  try {
    if (!templateTakesLabel(template)) throw new RangeError("it has no {} where the label goes");
    hypotheses = labels.map((l) => formatHypothesis(template, l));
  } catch (err) {
    throw new UsageError(`\`hypothesis\` "${template}" cannot take the labels: ${(err as Error).message}; e.g. \`hypothesis\` "This text is about {}."`, {
      option: "hypothesis",
    });
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
  row: ScoreRow;
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
 * yields one unit with `sentence: null` and no scores at sentence level, so that
 * every document has a unit (the CLI writes one record for it); at document
 * level every document yields exactly one unit.
 */
export async function* scoreDocuments<T>(
  model: DocumentScorer,
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
      // at sentence level an empty text is a document with no sentence (below), as a blank one is: nothing to refuse
      if (plan.zeroShot && text === "" && plan.level === "document") state.error = EMPTY_ZERO_SHOT;
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
        let specs: ScoreRow[];
        let weights: number[];
        if (plan.zeroShot) {
          specs = plan.zeroShot.hypotheses.map((h) => ({ text: s.text, pair: h }));
          weights = specs.map(() => 1);
        } else if (plan.long === "chunk") {
          // windows are cut here: their count and weights are needed to fold them back
          const encs = model.tokenizer.encodeWindows(s.text, plan.stride);
          specs = encs.map(tokenRow);
          weights = windowWeights(encs, model.tokenizer.contentBudget());
        } else {
          specs = [s.text];
          weights = [1];
        }
        state.got.push([]);
        specs.forEach((row, k) => rows.push({ state, seg, weight: weights[k], row }));
      });
      state.pending = rows.length;
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

  for await (const r of model.scoreStream(expand(), () => "", { ...opts, row: (r) => r.row, unit: "model inputs" })) {
    const st = r.item.state;
    // chunk windows cover the whole text; any other row cut at the limit lost some of it
    if (plan.long !== "chunk" && r.truncated) st.cut = true;
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
    if (st.segments.length === 0) yield { item: st.item, doc: st.doc, sentence: null, truncated: false };
    for (let i = 0; i < st.segments.length; i++) {
      yield { item: st.item, doc: st.doc, sentence: { ...st.segments[i], index: i }, scores: segScores[i], truncated: st.cut };
    }
    return;
  }
  // sentences: every sentence counts the same, as Spark NLP's coalesceSentences averages them
  yield { item: st.item, doc: st.doc, scores: segScores.length === 1 ? segScores[0] : weightedMean(segScores), truncated: st.cut };
}

/** One result of classifyRecords: a text's (or a sentence's) scores, or why it has none. */
export interface ClassifiedUnit<T> {
  item: T;
  /** 0-based position of the record in the input */
  doc: number;
  /** the text scored: the record's, or the sentence's at sentence level */
  text: string;
  /** level "sentence": the sentence's index in its document and its offsets (in the plan's unit); null for a document with no sentence (empty or blank), which has no scores */
  sentence?: { index: number; begin: number; end: number } | null;
  /** scores in `labels` order; absent with `error` and on a document with no sentence */
  scores?: number[];
  /** why the record got no scores (zero-shot on an empty text); the caller decides to throw, skip or write it */
  error?: string;
  /** whether some of the record's text was cut at the token limit */
  truncated: boolean;
}

export interface ClassifyRun<T> {
  /** the labels the scores are for: the model's, or the zero-shot candidates */
  labels: string[];
  /** the document plan, when the options need one (long documents, sentence level, zero-shot) */
  plan?: DocumentPlan;
  results: AsyncGenerator<ClassifiedUnit<T>>;
}

/**
 * Records + options → results, in input order: the one place that chooses between the plain and the
 * document path. The options are checked (UsageError/BundleError) when this is called, before any record
 * is read.
 */
export function classifyRecords<T>(
  model: DocumentScorer,
  items: AsyncIterable<T> | Iterable<T>,
  textOf: (item: T) => string,
  opts: DocumentOptions = {},
): ClassifyRun<T> {
  const plan = needsDocumentPath(opts) ? planDocuments(model, opts) : undefined;
  const score = { function: opts.function, batchSize: opts.batchSize };
  // read once per item where it is scored; the records' `text` is read again after that check passed
  const checked = checkedTextOf(textOf);
  async function* plain(): AsyncGenerator<ClassifiedUnit<T>> {
    let doc = 0;
    for await (const s of model.scoreStream(items, checked, score)) {
      yield { item: s.item, doc: doc++, text: textOf(s.item), scores: s.scores, truncated: s.truncated };
    }
  }
  async function* documents(p: DocumentPlan): AsyncGenerator<ClassifiedUnit<T>> {
    for await (const u of scoreDocuments(model, items, checked, p, score)) {
      const truncated = Boolean(u.truncated);
      if (u.error) yield { item: u.item, doc: u.doc, text: textOf(u.item), error: u.error, truncated };
      else if (u.sentence === null) yield { item: u.item, doc: u.doc, text: textOf(u.item), sentence: null, truncated };
      else if (u.sentence) {
        const { index, begin, end, text } = u.sentence;
        yield { item: u.item, doc: u.doc, text, sentence: { index, begin, end }, scores: u.scores, truncated };
      } else yield { item: u.item, doc: u.doc, text: textOf(u.item), scores: u.scores, truncated };
    }
  }
  return { labels: plan?.labels ?? model.labels, plan, results: plan ? documents(plan) : plain() };
}
