/**
 * The reference grammar: `lang.action.family.dataset`, as in John Snow Labs
 * NLU, made forgiving. Actions: classify, zero_shot, ner (token labels:
 * entities, PII), pos (part-of-speech tags), embed (sentence embeddings) and
 * rerank (cross-encoders). Pure functions only; the catalog uses them to
 * index its entries and to read what the user typed.
 *
 * - case, surrounding blanks and trailing dots are ignored ("en.classify.bert.hate." = "en.classify.bert.hate")
 * - "-" and "_" are the same inside a token ("go-emotions" = "go_emotions")
 * - the language defaults to en and the action to classify ("bert.imdb" = "en.classify.bert.imdb")
 * - an action alone asks for its task's default ("en.ner", "pos", "xx.embed"); a task word must fit the action
 * - NLU's embed_sentence is the embed action ("en.embed_sentence.bert" = "en.embed.bert")
 * - family synonyms fold ("distilbert_sequence" = "distil_bert" = "distilbert")
 * - family and dataset may come in either order where that is unambiguous (the catalog checks that)
 */

import { repoIdProblem } from "../hub/safe-path.js";

/** Family spellings seen in NLU and on the Hub → one canonical family token. */
export const FAMILY_SYNONYMS: Record<string, string> = {
  bert_sequence: "bert",
  bert_classifier: "bert",
  distilbert_sequence: "distilbert",
  distil_bert: "distilbert",
  distilbert_classifier: "distilbert",
  roberta_sequence: "roberta",
  roberta_classifier: "roberta",
  distil_roberta: "roberta",
  distilroberta: "roberta",
  xlm_roberta: "xlmr",
  xlmroberta: "xlmr",
  xlm_r: "xlmr",
  xlm_roberta_sequence: "xlmr",
  camembert_sequence: "camembert",
  deberta_v2: "deberta",
  deberta_v3: "deberta",
  debertav2: "deberta",
  debertav3: "deberta",
  mdeberta: "deberta",
  mdeberta_v3: "deberta",
  deberta_sequence: "deberta",
  albert_sequence: "albert",
  xlnet_sequence: "xlnet",
  longformer_sequence: "longformer",
};

/** Action spellings → canonical action. */
export const ACTION_SYNONYMS: Record<string, string> = {
  classify: "classify",
  classifier: "classify",
  cls: "classify",
  zero_shot: "zero_shot",
  zeroshot: "zero_shot",
  zero_shot_classifier: "zero_shot",
  ner: "ner",
  named_entity: "ner",
  named_entities: "ner",
  named_entity_recognition: "ner",
  token_classify: "ner",
  token_classification: "ner",
  token_classifier: "ner",
  pos: "pos",
  part_of_speech: "pos",
  pos_tag: "pos",
  pos_tagger: "pos",
  postag: "pos",
  // NLU names sentence embeddings embed_sentence (its plain embed means word vectors, which nlp does not offer)
  embed: "embed",
  embed_sentence: "embed",
  embed_sentences: "embed",
  embedding: "embed",
  embeddings: "embed",
  sentence_embedding: "embed",
  sentence_embeddings: "embed",
  sentence_transformer: "embed",
  sentence_transformers: "embed",
  rerank: "rerank",
  re_rank: "rerank",
  reranker: "rerank",
  rerankers: "rerank",
  cross_encoder: "rerank",
  crossencoder: "rerank",
};

/** The task an action alone asks for ("en.classify" = sentiment, "en.ner" = ner). */
const ACTION_DEFAULT_TASK: Record<string, string> = { classify: "sentiment", zero_shot: "zero-shot", ner: "ner", pos: "pos", embed: "embed", rerank: "rerank" };

/** Tasks whose models label tokens or give no labels at all; only their own actions name them. */
const NOT_CLASSIFY_TASKS = new Set(["ner", "pos", "pii", "embed", "rerank"]);

/** Whether a model of this task is named with this action (refs, and task words after an action). */
export function actionFits(action: string, task: string): boolean {
  if (action === "zero_shot") return task === "zero-shot";
  if (action === "ner") return task === "ner" || task === "pii";
  if (action === "pos") return task === "pos";
  if (action === "embed") return task === "embed";
  if (action === "rerank") return task === "rerank";
  return !NOT_CLASSIFY_TASKS.has(task);
}

/** Words that name a task (for defaults such as `sentiment` or `fr.zero_shot`). */
export const TASK_WORDS: Record<string, string> = {
  sentiment: "sentiment",
  sentiments: "sentiment",
  polarity: "sentiment",
  emotion: "emotion",
  emotions: "emotion",
  toxicity: "toxicity",
  toxic: "toxicity",
  zero_shot: "zero-shot",
  zeroshot: "zero-shot",
  nli: "zero-shot",
  language_id: "language-id",
  langid: "language-id",
  lang: "language-id",
  language: "language-id",
  language_detection: "language-id",
  spam: "spam",
  hate: "hate-speech",
  hate_speech: "hate-speech",
  topic: "topic",
  news_topic: "topic",
  pii: "pii",
};

/** ISO 639-1 codes plus NLU's "xx" (multilingual). A first token that is one of these is the language. */
const LANGS = new Set(
  (
    "xx af am ar az be bg bn bs ca cs cy da de el en eo es et eu fa fi fr ga gl gu he hi hr hu hy id is it ja jv ka kk km kn ko ky " +
    "la lo lt lv mk ml mn mr ms mt my ne nl no pa pl ps pt ro ru si sk sl so sq sr su sv sw ta te tg th ti tl tr tt ug uk ur uz vi yo zh zu"
  ).split(" "),
);

export function isLanguage(token: string): boolean {
  return LANGS.has(token);
}

export interface ParsedRef {
  /** language code ("en" when the reference names none) */
  lang: string;
  /** whether the language was written */
  langGiven: boolean;
  /** "classify", "zero_shot", "ner", "pos", "embed" or "rerank" */
  action: string;
  actionGiven: boolean;
  /** the remaining tokens, family synonyms folded, in the order given */
  rest: string[];
}

/** Lower-cases, trims, drops trailing dots and unifies "-" with "_". */
export function normalizeRef(ref: string): string {
  return ref.trim().toLowerCase().replace(/\.+$/, "").replace(/-/g, "_");
}

export function parseRef(ref: string): ParsedRef {
  const tokens = normalizeRef(ref)
    .split(".")
    .filter((t) => t.length > 0);
  let i = 0;
  let lang = "en";
  let langGiven = false;
  if (i < tokens.length && isLanguage(tokens[i])) {
    lang = tokens[i++];
    langGiven = true;
  }
  let action = "classify";
  let actionGiven = false;
  if (i < tokens.length && ACTION_SYNONYMS[tokens[i]]) {
    action = ACTION_SYNONYMS[tokens[i++]];
    actionGiven = true;
  }
  const rest = tokens.slice(i).map((t) => FAMILY_SYNONYMS[t] ?? t);
  return { lang, langGiven, action, actionGiven, rest };
}

/** The exact key: same tokens in the same order. */
export function canonicalKey(ref: string): string {
  const p = parseRef(ref);
  return [p.lang, p.action, ...p.rest].join(".");
}

/** The order-free key: family/dataset order does not matter. */
export function looseKey(ref: string): string {
  const p = parseRef(ref);
  return [p.lang, p.action, ...[...p.rest].sort()].join(".");
}

/**
 * A task default the reference asks for, if it is one: `sentiment`, `fr.sentiment`,
 * `en.classify`, `fr.classify.emotion`, `zero-shot`, `fr.zero_shot`, a bare language `de`,
 * `en.ner`, `pos`, `pii`, `en.ner.pii`, `xx.embed`, `en.embed_sentence`, `en.rerank`.
 */
export function defaultRequest(ref: string): { task: string; lang: string } | null {
  const p = parseRef(ref);
  if (p.rest.length === 0) {
    if (!p.langGiven && !p.actionGiven) return null;
    return { task: ACTION_DEFAULT_TASK[p.action], lang: p.lang };
  }
  if (p.rest.length === 1 && TASK_WORDS[p.rest[0]]) {
    const task = TASK_WORDS[p.rest[0]];
    // "en.ner.sentiment", "en.classify.pii" or "en.embed.sentiment" name no model
    if (p.actionGiven && !actionFits(p.action, task)) return null;
    return { task, lang: p.lang };
  }
  return null;
}

/**
 * `owner/name` or `owner/name@revision`: a repo id huggingface_hub accepts
 * (safe-path.ts), with the owner written out. The revision is checked where
 * it is used (a bad one is a usage error naming it, not "unknown model").
 */
export function parseHubId(ref: string): { repo: string; revision?: string } | null {
  const trimmed = ref.trim();
  const at = trimmed.indexOf("@");
  const repo = at < 0 ? trimmed : trimmed.slice(0, at);
  if (!repo.includes("/") || repoIdProblem(repo) !== null) return null;
  return { repo, revision: at < 0 ? undefined : trimmed.slice(at + 1) };
}
