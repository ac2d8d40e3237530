/**
 * transformers' TokenClassificationPipeline post-processing, ported step for step (pipelines/
 * token_classification.py, 5.x): softmax per token, gather_pre_entities, aggregate (none/simple/first/
 * average/max), group_entities, the ignore_labels filter and aggregate_overlapping_entities for strided
 * chunks. Pure: tokens, ids, offsets and logits in, the pipeline's entity dicts out. Its quirks are kept
 * on purpose (users compare with the pipeline): see ../../docs for the list.
 */

export const AGGREGATION_STRATEGIES = ["none", "simple", "first", "average", "max"] as const;
export type AggregationStrategy = (typeof AGGREGATION_STRATEGIES)[number];

/** aggregation "none": one record per token, as the pipeline gives it */
export interface TokenEntity {
  entity: string;
  score: number;
  index: number;
  word: string;
  start: number;
  end: number;
}

/** every other strategy: one record per entity span */
export interface EntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

export type Entity = TokenEntity | EntityGroup;

/** One model sequence (a whole text, or one stride chunk) with what the pipeline reads from the tokenizer. */
export interface TokenSequence {
  /** token strings (convert_ids_to_tokens) */
  tokens: readonly string[];
  ids: readonly number[];
  /** code-point offsets into the text; [0, 0] on special tokens */
  offsets: readonly (readonly [number, number])[];
  specialMask: readonly (0 | 1 | boolean)[];
  /** logits, row-major [tokens × labels] */
  logits: Float32Array | readonly number[];
}

export interface TokenizerFacts {
  unkId: number | undefined;
  /** the model's continuing_subword_prefix ("##" for WordPiece); empty → the pipeline's space heuristic */
  continuingPrefix: string;
  /** convert_tokens_to_string: the tokenizer.json decoder */
  decode: (tokens: string[]) => string;
}

interface PreEntity {
  word: string;
  scores: Float64Array;
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

interface Tagged {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
  index?: number;
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Softmax of each token's logits, max-shifted as the pipeline does (float32 in numpy; float64 here, within 1e-6). */
export function tokenScores(logits: Float32Array | readonly number[], numLabels: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let t = 0; t * numLabels < logits.length; t++) {
    const row = new Float64Array(numLabels);
    let max = -Infinity;
    for (let j = 0; j < numLabels; j++) max = Math.max(max, logits[t * numLabels + j]);
    let sum = 0;
    for (let j = 0; j < numLabels; j++) sum += row[j] = Math.exp(logits[t * numLabels + j] - max);
    for (let j = 0; j < numLabels; j++) row[j] /= sum;
    rows.push(row);
  }
  return rows;
}

/** gather_pre_entities: special tokens skipped, subword test, unknown tokens take the text they cover. */
export function gatherPreEntities(text: readonly string[], seq: TokenSequence, scores: Float64Array[], facts: TokenizerFacts): PreEntity[] {
  const out: PreEntity[] = [];
  const slice = (s: number, e: number) => text.slice(Math.max(0, s), Math.max(0, e)).join("");
  for (let idx = 0; idx < seq.tokens.length; idx++) {
    if (seq.specialMask[idx]) continue;
    let word = seq.tokens[idx];
    const [start, end] = seq.offsets[idx];
    const wordRef = slice(start, end);
    let isSubword: boolean;
    if (facts.continuingPrefix) {
      isSubword = Array.from(word).length !== end - start;
    } else {
      // transformers' fallback heuristic: no space in the character before the token or at its start
      isSubword = start > 0 && !slice(start - 1, start + 1).includes(" ");
    }
    if (seq.ids[idx] === facts.unkId) {
      word = wordRef;
      isSubword = false;
    }
    out.push({ word, scores: scores[idx], start, end, index: idx, isSubword });
  }
  return out;
}

function aggregateWord(group: PreEntity[], strategy: AggregationStrategy, labels: readonly string[], facts: TokenizerFacts): Tagged {
  const word = facts.decode(group.map((e) => e.word));
  let score: number;
  let label: number;
  if (strategy === "first") {
    label = argmax(group[0].scores);
    score = group[0].scores[label];
  } else if (strategy === "max") {
    let best = group[0];
    let bestMax = Math.max(...best.scores);
    for (const e of group.slice(1)) {
      const m = Math.max(...e.scores);
      if (m > bestMax) {
        best = e;
        bestMax = m;
      }
    }
    label = argmax(best.scores);
    score = best.scores[label];
  } else {
    const avg = new Float64Array(labels.length);
    for (const e of group) for (let j = 0; j < avg.length; j++) avg[j] += e.scores[j] / group.length;
    label = argmax(avg);
    score = avg[label];
  }
  return { entity: labels[label], score, word, start: group[0].start, end: group[group.length - 1].end };
}

/** aggregate_words: a word is a token plus the subword tokens after it. */
function aggregateWords(pre: PreEntity[], strategy: AggregationStrategy, labels: readonly string[], facts: TokenizerFacts): Tagged[] {
  const out: Tagged[] = [];
  let group: PreEntity[] | null = null;
  for (const e of pre) {
    if (group === null) group = [e];
    else if (e.isSubword) group.push(e);
    else {
      out.push(aggregateWord(group, strategy, labels, facts));
      group = [e];
    }
  }
  if (group) out.push(aggregateWord(group, strategy, labels, facts));
  return out;
}

/** get_tag: B-/I- prefixes; any other label counts as I- of itself. */
function getTag(name: string): [string, string] {
  if (name.startsWith("B-")) return ["B", name.slice(2)];
  if (name.startsWith("I-")) return ["I", name.slice(2)];
  return ["I", name];
}

function groupSubEntities(group: Tagged[], facts: TokenizerFacts): EntityGroup {
  const name = group[0].entity;
  const dash = name.indexOf("-");
  return {
    entity_group: dash >= 0 ? name.slice(dash + 1) : name,
    score: group.reduce((a, e) => a + e.score, 0) / group.length,
    word: facts.decode(group.map((e) => e.word)),
    start: group[0].start,
    end: group[group.length - 1].end,
  };
}

/** group_entities: adjacent entities with the same tag merge unless the next one starts with B-. */
export function groupEntities(entities: Tagged[], facts: TokenizerFacts): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let current: Tagged[] = [];
  for (const e of entities) {
    if (current.length === 0) {
      current.push(e);
      continue;
    }
    const [bi, tag] = getTag(e.entity);
    const [, lastTag] = getTag(current[current.length - 1].entity);
    if (tag === lastTag && bi !== "B") current.push(e);
    else {
      groups.push(groupSubEntities(current, facts));
      current = [e];
    }
  }
  if (current.length > 0) groups.push(groupSubEntities(current, facts));
  return groups;
}

/** postprocess for one sequence: entities after aggregation, ignore_labels removed. */
export function sequenceEntities(
  text: readonly string[],
  seq: TokenSequence,
  labels: readonly string[],
  facts: TokenizerFacts,
  strategy: AggregationStrategy,
  ignoreLabels: readonly string[],
): Entity[] {
  const scores = tokenScores(seq.logits, labels.length);
  const pre = gatherPreEntities(text, seq, scores, facts);
  let entities: Entity[];
  if (strategy === "none" || strategy === "simple") {
    const tagged = pre.map((p) => {
      const i = argmax(p.scores);
      return { entity: labels[i], score: p.scores[i], index: p.index, word: p.word, start: p.start, end: p.end };
    });
    entities = strategy === "none" ? tagged : groupEntities(tagged, facts);
  } else {
    entities = groupEntities(aggregateWords(pre, strategy, labels, facts), facts);
  }
  const ignore = new Set(ignoreLabels);
  return entities.filter((e) => !ignore.has("entity" in e ? e.entity : e.entity_group));
}

/** aggregate_overlapping_entities: across stride chunks, of overlapping entities keep the longest (then the higher score). */
export function aggregateOverlappingEntities<E extends { start: number; end: number; score: number }>(entities: readonly E[]): E[] {
  if (entities.length === 0) return [];
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  const out: E[] = [];
  let prev = sorted[0];
  for (const e of sorted) {
    if (prev.start <= e.start && e.start < prev.end) {
      const len = e.end - e.start;
      const prevLen = prev.end - prev.start;
      if (len > prevLen || (len === prevLen && e.score > prev.score)) prev = e;
    } else {
      out.push(prev);
      prev = e;
    }
  }
  out.push(prev);
  return out;
}

/** The pipeline's whole postprocess over one text's sequences (one, or several stride chunks). */
export function textEntities(
  text: string,
  sequences: readonly TokenSequence[],
  labels: readonly string[],
  facts: TokenizerFacts,
  strategy: AggregationStrategy,
  ignoreLabels: readonly string[] = ["O"],
): Entity[] {
  const cps = Array.from(text);
  const all = sequences.flatMap((s) => sequenceEntities(cps, s, labels, facts, strategy, ignoreLabels));
  return sequences.length > 1 ? aggregateOverlappingEntities(all) : all;
}
