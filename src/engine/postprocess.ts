/**
 * Pure post-processing, as transformers' text-classification pipeline does it:
 * choose softmax / sigmoid / none from the config, map indices to labels,
 * rank, and cut by top-k or threshold.
 */
import { UsageError } from "../errors.js";

export type ScoreFunction = "softmax" | "sigmoid" | "none";

export interface LabelScore {
  label: string;
  score: number;
}

export interface HeadConfig {
  problem_type?: string | null;
  id2label?: Record<string, string>;
  function_to_apply?: unknown;
}

/** transformers' rule: sigmoid for multi-label and single-logit heads, softmax for the rest. */
export function defaultFunction(config: HeadConfig, numLabels: number): ScoreFunction {
  if (config.problem_type === "multi_label_classification" || numLabels === 1) return "sigmoid";
  if (config.problem_type === "single_label_classification" || numLabels > 1) return "softmax";
  const f = config.function_to_apply;
  return f === "softmax" || f === "sigmoid" || f === "none" ? f : "none";
}

export function applyFunction(logits: ArrayLike<number>, fn: ScoreFunction): number[] {
  const out = Array.from(logits, Number);
  if (fn === "sigmoid") return out.map((x) => 1 / (1 + Math.exp(-x)));
  if (fn === "softmax") return softmax(out);
  return out;
}

/** Softmax with the max subtracted first, as numpy/torch do, so large logits do not overflow. */
export function softmax(xs: readonly number[]): number[] {
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Labels by index from id2label, LABEL_i where a label is missing (as transformers does). */
export function labelNames(config: HeadConfig, numLabels: number): string[] {
  return Array.from({ length: numLabels }, (_, i) => config.id2label?.[String(i)] ?? `LABEL_${i}`);
}

/** True when a config names no labels, only transformers' LABEL_0, LABEL_1, … placeholders. */
export function isPlaceholderLabels(labels: readonly string[]): boolean {
  return labels.every((l, i) => l === `LABEL_${i}`);
}

/** Every label with its score, best first; ties keep index order. */
export function rank(scores: readonly number[], labels: readonly string[]): LabelScore[] {
  return scores
    .map((score, i) => ({ label: labels[i], score, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ label, score }) => ({ label, score }));
}

export interface Prediction {
  label: string;
  score: number;
  /** every label → score, in label index order (with allScores) */
  scores?: Record<string, number>;
  /** best first: the topK best labels and/or every label scoring ≥ threshold (with topK or threshold) */
  labels?: LabelScore[];
}

export interface PredictOptions {
  topK?: number;
  allScores?: boolean;
  threshold?: number;
}

export function predictionFrom(scores: readonly number[], labels: readonly string[], opts: PredictOptions = {}): Prediction {
  const ranked = rank(scores, labels);
  const p: Prediction = { label: ranked[0].label, score: ranked[0].score };
  if (opts.allScores) p.scores = Object.fromEntries(labels.map((l, i) => [l, scores[i]]));
  if (opts.topK !== undefined || opts.threshold !== undefined) {
    const kept = opts.threshold !== undefined ? ranked.filter((r) => r.score >= opts.threshold!) : ranked;
    p.labels = opts.topK !== undefined ? kept.slice(0, opts.topK) : kept;
  }
  return p;
}

/** The prediction options (and a score function) checked before a record is read; library names in backticks. */
export function validatePredictOptions(opts: PredictOptions & { function?: string }): void {
  if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 1)) {
    throw new UsageError(`\`topK\` must be a positive integer, got ${opts.topK}`, { option: "topK" });
  }
  if (opts.threshold !== undefined && !(opts.threshold >= 0 && opts.threshold <= 1)) {
    throw new UsageError(`\`threshold\` must be between 0 and 1, got ${opts.threshold}`, { option: "threshold" });
  }
  if (opts.function !== undefined && !["softmax", "sigmoid", "none"].includes(opts.function)) {
    throw new UsageError(`\`function\` must be softmax, sigmoid or none, got ${opts.function}`, { option: "function" });
  }
}
