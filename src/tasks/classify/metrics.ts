/**
 * Classification metrics for `nlp eval`: pure functions over (gold, predicted)
 * label pairs. Gold labels the model cannot produce are set aside and counted,
 * not scored as errors; model labels the data never uses are listed.
 */
import { UsageError } from "../../errors.js";

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** rows whose gold label is this one */
  support: number;
  /** rows predicted as this one */
  predicted: number;
}

export interface EvalMetrics {
  /** rows scored (gold label known to the model) */
  rows: number;
  correct: number;
  accuracy: number;
  /** mean F1 over the labels present in the gold data */
  macroF1: number;
  /** per model label, in the model's order */
  perLabel: LabelMetrics[];
  /** confusion[gold][predicted] counts over `labels` (the model's labels) */
  labels: string[];
  confusion: number[][];
  /** gold labels the model does not have: rows set aside, by label */
  unknownGold: { label: string; rows: number }[];
  /** model labels no gold row uses (predictions of them still count as errors) */
  absentFromData: { label: string; predicted: number }[];
}

export interface LabelPair {
  gold: string;
  predicted: string;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Precision, recall and F1 are 0 where undefined (0/0), as scikit-learn's default. */
export function computeMetrics(pairs: Iterable<LabelPair>, modelLabels: readonly string[]): EvalMetrics {
  const index = new Map(modelLabels.map((l, i) => [l, i]));
  const n = modelLabels.length;
  const confusion = modelLabels.map(() => new Array<number>(n).fill(0));
  const unknown = new Map<string, number>();
  for (const { gold, predicted } of pairs) {
    const g = index.get(gold);
    if (g === undefined) {
      unknown.set(gold, (unknown.get(gold) ?? 0) + 1);
      continue;
    }
    const p = index.get(predicted);
    if (p === undefined) throw new Error(`prediction "${predicted}" is not one of the model's labels`);
    confusion[g][p]++;
  }
  let rows = 0;
  let correct = 0;
  const perLabel: LabelMetrics[] = modelLabels.map((label, i) => {
    const support = confusion[i].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const tp = confusion[i][i];
    rows += support;
    correct += tp;
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    // 2·tp / (2·tp + fp + fn) = 2·tp / (support + predicted), scikit-learn's formula: the harmonic mean 2PR/(P+R)
    // is the same number on paper but differs in the last bit (0.39999999999999997 for 0.4)
    return { label, precision, recall, f1: ratio(2 * tp, support + predicted), support, predicted };
  });
  const present = perLabel.filter((m) => m.support > 0);
  return {
    rows,
    correct,
    accuracy: ratio(correct, rows),
    macroF1: ratio(
      present.reduce((a, m) => a + m.f1, 0),
      present.length,
    ),
    perLabel,
    labels: [...modelLabels],
    confusion,
    unknownGold: [...unknown].map(([label, rows]) => ({ label, rows })).sort((a, b) => b.rows - a.rows || a.label.localeCompare(b.label)),
    absentFromData: perLabel.filter((m) => m.support === 0).map((m) => ({ label: m.label, predicted: m.predicted })),
  };
}

/** Parses `--label-map 0=NEGATIVE,1=POSITIVE` (gold value → model label). */
export function parseLabelMap(spec: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of spec.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const from = part.slice(0, eq).trim();
    const to = part.slice(eq + 1).trim();
    if (eq < 0 || from === "" || to === "") {
      throw new UsageError(`--label-map entries look like value=LABEL (e.g. 0=NEGATIVE,1=POSITIVE), got "${part.trim()}"`);
    }
    if (map.has(from)) throw new UsageError(`--label-map maps "${from}" twice; give each file value once`);
    map.set(from, to);
  }
  if (map.size === 0) throw new UsageError("--label-map is empty; give value=LABEL pairs, e.g. 0=NEGATIVE,1=POSITIVE");
  return map;
}

/**
 * The model label a gold value stands for: through the label map, else the
 * exact label, else the one label equal ignoring case ("positive" → POSITIVE).
 * Unmatched values come back unchanged, to be reported as unknown.
 */
export function goldLabelMatcher(modelLabels: readonly string[], map?: Map<string, string>): (raw: string) => string {
  const exact = new Set(modelLabels);
  const folded = new Map<string, string | null>();
  for (const l of modelLabels) {
    const k = l.toLowerCase();
    folded.set(k, folded.has(k) ? null : l); // ambiguous when two labels differ only in case
  }
  const toLabel = (value: string): string | undefined => (exact.has(value) ? value : (folded.get(value.toLowerCase()) ?? undefined));
  // a mistyped target would turn every row of that value into "set aside" and the run would still succeed
  for (const [from, to] of map ?? []) {
    if (toLabel(to) === undefined) {
      throw new UsageError(`--label-map maps "${from}" to "${to}", which is not a label of the model (${modelLabels.join(", ")}); use one of those`);
    }
  }
  return (raw) => {
    const value = raw.trim();
    const mapped = map?.get(value) ?? value;
    return toLabel(mapped) ?? mapped;
  };
}
