/**
 * Zero-shot classification as transformers' zero-shot-classification pipeline
 * does it: each candidate label becomes a hypothesis ("This example is {}."),
 * an NLI model scores (text, hypothesis), and the entailment logits become scores.
 */

import { softmax } from "../../engine/postprocess.js";

export const DEFAULT_HYPOTHESIS = "This example is {}.";

/** "sports, politics,,tech" → ["sports", "politics", "tech"] (the pipeline's own parsing of a comma string). */
export function parseCandidateLabels(labels: string | readonly string[]): string[] {
  const list = typeof labels === "string" ? labels.split(",") : labels;
  return list.map((l) => l.trim()).filter((l) => l.length > 0);
}

/**
 * Python's template.format(label) for the forms a hypothesis uses: "{}" and
 * "{0}" take the label, "{{" and "}}" are literal braces. Anything else
 * (named fields, format specs) is rejected, as Python would fail on it.
 */
export function formatHypothesis(template: string, label: string): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === "{" && template[i + 1] === "{") {
      out += "{";
      i++;
    } else if (c === "}" && template[i + 1] === "}") {
      out += "}";
      i++;
    } else if (c === "{") {
      const close = template.indexOf("}", i);
      const field = close < 0 ? null : template.slice(i + 1, close);
      if (field !== "" && field !== "0") throw new RangeError(`unsupported field "{${field ?? ""}" in the hypothesis template; use {} where the label goes`);
      out += label;
      i = close;
    } else if (c === "}") {
      throw new RangeError("single '}' in the hypothesis template; write }} for a literal brace");
    } else out += c;
  }
  return out;
}

/** Whether the template has a place for the label (the pipeline refuses one that does not). */
export function templateTakesLabel(template: string): boolean {
  return formatHypothesis(template, "\u0000") !== formatHypothesis(template, "\u0001");
}

export interface NliIndices {
  entailment: number;
  contradiction: number;
}

/**
 * Entailment and contradiction logit indices from the config's label2id (else
 * id2label): the first label starting with "entail" / "contradict", case
 * aside, as transformers looks them up. Returns undefined for entailment when
 * the model is not an NLI model. When no contradiction label exists, falls back
 * to the pipeline's rule (last index if entailment is 0, else 0).
 */
export function nliIndices(label2id: Record<string, number> | undefined, id2label: Record<string, string> | undefined, numLabels: number): NliIndices | undefined {
  const map: Record<string, number> =
    label2id && Object.keys(label2id).length > 0 ? label2id : Object.fromEntries(Object.entries(id2label ?? {}).map(([i, l]) => [l, Number(i)]));
  const find = (prefix: string) => Object.entries(map).find(([l]) => l.toLowerCase().startsWith(prefix))?.[1];
  const entailment = find("entail");
  if (entailment === undefined || !(entailment >= 0 && entailment < numLabels)) return undefined;
  let contradiction = find("contradict");
  if (contradiction === undefined || !(contradiction >= 0 && contradiction < numLabels)) contradiction = entailment === 0 ? numLabels - 1 : 0;
  return { entailment, contradiction };
}

/**
 * Scores of the candidate labels, in their order, from each (text, hypothesis)
 * pair's logits. Single-label: softmax over the labels' entailment logits.
 * Multi-label, or a single candidate (the pipeline does the same): per label,
 * softmax over (contradiction, entailment), keeping entailment.
 */
export function zeroShotScores(pairLogits: readonly ArrayLike<number>[], idx: NliIndices, multiLabel: boolean): number[] {
  if (multiLabel || pairLogits.length === 1) {
    return pairLogits.map((l) => softmax([l[idx.contradiction], l[idx.entailment]])[1]);
  }
  return softmax(pairLogits.map((l) => l[idx.entailment]));
}
