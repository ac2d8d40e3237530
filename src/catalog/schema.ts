/**
 * The shape of models.json (and of the user catalog), and a validator that
 * lists every problem at once. Pure: no file access.
 */
import { VARIANT_FILES } from "../model/bundle.js";
import { actionFits, canonicalKey, isLanguage, parseHubId, parseRef } from "./grammar.js";
import { filePathProblem, revisionProblem } from "../hub/safe-path.js";

export type EntrySource = "hub" | "embedded" | "local";

export interface CatalogEntry {
  /** `lang.action.family.dataset` */
  ref: string;
  aliases: string[];
  /** sentiment, emotion, toxicity, zero-shot, … (see TASKS) */
  task: string;
  description?: string;
  /** ISO 639-1 codes; ["xx"] = many languages */
  languages: string[];
  architecture?: string;
  source: EntrySource;
  /** hub: owner/name */
  repo?: string;
  /** hub: branch, tag or commit */
  revision?: string;
  /** embedded: relative to the package; local: absolute folder */
  path?: string;
  /** files every variant needs ("auto": read the repo's file list) */
  files?: string[] | "auto";
  /** files fetched when the repo has them */
  optional_files?: string[];
  /** variant → its files, the ONNX graph last */
  variants?: Record<string, string[]>;
  /** approximate download size per variant, from the evidence */
  sizes_mb?: Record<string, number>;
  /** label names by index, used where the repo's config has none or only LABEL_i */
  labels: string[] | null;
  labels_note?: string;
  upstream?: string;
  dataset?: string;
  license?: string | null;
  reported_accuracy?: string | null;
  /** the model a seed/NLU reference names, which this entry replaces */
  stands_in_for?: { model: string; note: string };
  notes?: string;
  evidence?: string;
  /** A seen in transformers.js tests/docs, B in its supported-models list, C Hub listing seen, D inferred */
  confidence?: string;
}

export interface CatalogFile {
  version: number;
  /** task → language → ref */
  defaults?: Record<string, Record<string, string>>;
  models: CatalogEntry[];
}

export const TASKS = [
  "sentiment",
  "emotion",
  "toxicity",
  "hate-speech",
  "moderation",
  "prompt-injection",
  "spam",
  "ai-detection",
  "language-id",
  "topic",
  "intent",
  "zero-shot",
  /** token classification: named entities, part-of-speech tags, personal data */
  "ner",
  "pos",
  "pii",
  /** sentence embeddings (nlp embed/similarity/search) and cross-encoder rerankers (nlp rerank) */
  "embed",
  "rerank",
  "other",
] as const;

/** The model a task's entries are: token classifiers (nlp ner), sentence embedders (nlp embed), else sequence classifiers (nlp classify, nlp rerank). */
export type TaskModel = "token" | "embed" | "sequence";

export function taskModel(task: string): TaskModel {
  if (task === "ner" || task === "pos" || task === "pii") return "token";
  return task === "embed" ? "embed" : "sequence";
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrArr = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0);

/** The one rule for repo-relative names (safe-path.ts), so a catalog entry cannot name a file outside its snapshot. */
function badPath(p: string): boolean {
  return filePathProblem(p) !== null;
}

/** Checks one entry; `where` prefixes each problem. */
export function entryProblems(e: unknown, where: string, opts: { user?: boolean } = {}): string[] {
  const out: string[] = [];
  const p = (m: string) => out.push(`${where}: ${m}`);
  if (!isObj(e)) return [`${where}: not an object`];
  const ref = e.ref;
  if (typeof ref !== "string" || !ref.trim()) p("ref must be a non-empty string");
  else {
    if (/[\s/@]/.test(ref)) p(`ref "${ref}" must not contain blanks, "/" or "@" (those mean Hub ids)`);
    if (!opts.user && !/^[a-z]{2}\.(classify|zero_shot|ner|pos|embed|rerank)\.[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(ref)) p(`ref "${ref}" is not lang.action.family.dataset`);
    else if (!opts.user && typeof e.task === "string" && !actionFits(parseRef(ref).action, e.task)) p(`ref "${ref}" names a ${parseRef(ref).action} model but task is ${e.task}`);
    if (!opts.user && !isLanguage(ref.split(".")[0])) p(`ref "${ref}" does not start with a language code`);
  }
  if (!Array.isArray(e.aliases) || !e.aliases.every((a) => typeof a === "string" && a.trim() && !/[\s/@]/.test(a))) {
    p("aliases must be a list of names without blanks, '/' or '@'");
  }
  if (typeof e.task !== "string" || !(TASKS as readonly string[]).includes(e.task)) p(`task must be one of ${TASKS.join(", ")}`);
  if (!isStrArr(e.languages) || e.languages.length === 0 || !e.languages.every(isLanguage)) p("languages must be a non-empty list of ISO 639-1 codes (xx = many)");
  if (e.labels !== null) {
    if (!isStrArr(e.labels) || e.labels.length === 0) p("labels must be null or a non-empty list of names");
    else {
      if (new Set(e.labels).size !== e.labels.length) p("labels must be unique");
      if (e.labels.some((l) => /^LABEL_\d+$/.test(l))) p("labels must be real names, not LABEL_i");
    }
  }
  const source = e.source;
  if (source === "hub") {
    if (typeof e.repo !== "string" || !parseHubId(e.repo) || e.repo.includes("@")) p("repo must be owner/name");
    if (typeof e.revision !== "string" || revisionProblem(e.revision) !== null) p("revision must be a branch, tag or commit");
  } else if (source === "embedded") {
    if (typeof e.path !== "string" || badPath(e.path)) p("embedded entries need a package-relative path");
  } else if (source === "local") {
    if (typeof e.path !== "string" || !e.path.startsWith("/")) p("local entries need an absolute path");
  } else p('source must be "hub", "embedded" or "local"');
  if (source !== "local") out.push(...layoutProblems(e, where));
  if (e.stands_in_for !== undefined) {
    const s = e.stands_in_for;
    if (!isObj(s) || typeof s.model !== "string" || typeof s.note !== "string" || !s.note) p("stands_in_for needs model and note");
  }
  for (const k of ["description", "upstream", "dataset", "labels_note", "notes", "evidence"] as const) {
    if (e[k] !== undefined && typeof e[k] !== "string") p(`${k} must be a string`);
  }
  for (const k of ["license", "reported_accuracy"] as const) {
    if (e[k] !== undefined && e[k] !== null && typeof e[k] !== "string") p(`${k} must be a string or null`);
  }
  if (e.confidence !== undefined && !["A", "B", "C", "D"].includes(e.confidence as string)) p("confidence must be A, B, C or D");
  return out;
}

/** The file lists must make a bundle that bundle.ts can find: config, tokenizer and one graph per variant. */
function layoutProblems(e: Record<string, unknown>, where: string): string[] {
  const out: string[] = [];
  const p = (m: string) => out.push(`${where}: ${m}`);
  if (e.files === "auto") {
    if (e.source !== "hub") p('files "auto" only works for hub entries');
    if (e.variants !== undefined) p('files "auto" takes no variants (they come from the repo\'s file list)');
    return out;
  }
  if (!isStrArr(e.files)) return [`${where}: files must be "auto" or a list of paths`];
  const optional = e.optional_files === undefined ? [] : e.optional_files;
  if (!isStrArr(optional)) return [`${where}: optional_files must be a list of paths`];
  if (!isObj(e.variants) || Object.keys(e.variants).length === 0) return [`${where}: variants must map at least one variant to its files`];
  const all = [...e.files, ...optional];
  for (const f of all) if (badPath(f)) p(`bad path "${f}"`);
  const config = e.files.find((f) => f === "config.json" || f === "onnx/config.json");
  const tokenizer = e.files.find((f) => f === "tokenizer.json" || f === "onnx/tokenizer.json");
  if (!config) p("files must include config.json (or onnx/config.json)");
  if (!tokenizer) p("files must include tokenizer.json (or onnx/tokenizer.json)");
  if (config === "config.json" && all.includes("onnx/config.json")) p("two config.json files; bundle.ts would read the root one");
  for (const [variant, files] of Object.entries(e.variants)) {
    if (!VARIANT_FILES[variant]) {
      p(`unknown variant "${variant}" (known: ${Object.keys(VARIANT_FILES).join(", ")})`);
      continue;
    }
    if (!isStrArr(files) || files.length === 0) {
      p(`variant ${variant} needs a list of files`);
      continue;
    }
    const graph = files[files.length - 1];
    const name = graph.split("/").pop()!;
    const dir = graph.slice(0, graph.length - name.length);
    if (!VARIANT_FILES[variant].includes(name) || (dir !== "" && dir !== "onnx/")) {
      p(`variant ${variant}: last file "${graph}" must be one of ${VARIANT_FILES[variant].map((n) => `onnx/${n}`).join(", ")} (or at the root)`);
    }
    for (const f of files) {
      if (badPath(f)) p(`bad path "${f}"`);
      if (all.includes(f)) p(`variant ${variant} repeats "${f}" from files`);
    }
    for (const f of files.slice(0, -1)) if (!f.startsWith(`${graph}_data`) && !f.startsWith(`${graph}.data`)) p(`variant ${variant}: "${f}" is not external data of ${graph}`);
  }
  if (e.sizes_mb !== undefined) {
    if (!isObj(e.sizes_mb)) p("sizes_mb must map variants to sizes");
    else for (const [v, n] of Object.entries(e.sizes_mb)) if (!(e.variants as Record<string, unknown>)[v] || typeof n !== "number" || n <= 0) p(`sizes_mb.${v} must be a positive size of a listed variant`);
  }
  return out;
}

/** Validates a whole catalog file: entries, unique refs and aliases (after folding), defaults. */
export function catalogProblems(data: unknown, opts: { user?: boolean } = {}): string[] {
  if (!isObj(data) || !Array.isArray(data.models)) return ['the catalog must be an object with a "models" list'];
  const out: string[] = [];
  const keys = new Map<string, string>();
  data.models.forEach((e, i) => {
    const where = isObj(e) && typeof e.ref === "string" ? e.ref : `models[${i}]`;
    out.push(...entryProblems(e, where, opts));
    if (!isObj(e)) return;
    const names = [e.ref, ...(Array.isArray(e.aliases) ? e.aliases : [])].filter((n): n is string => typeof n === "string");
    for (const n of names) {
      const k = canonicalKey(n);
      const prev = keys.get(k);
      if (prev !== undefined && prev !== where) out.push(`${where}: "${n}" reads the same as a name of ${prev}`);
      else if (prev === where && n !== e.ref) out.push(`${where}: alias "${n}" reads the same as another of its names`);
      keys.set(k, where);
    }
  });
  if (data.defaults !== undefined) {
    if (!isObj(data.defaults)) out.push("defaults must map task → language → ref");
    else {
      const refs = new Set(data.models.map((m) => (isObj(m) ? m.ref : undefined)));
      for (const [task, byLang] of Object.entries(data.defaults)) {
        if (!(TASKS as readonly string[]).includes(task)) out.push(`defaults: unknown task "${task}"`);
        if (!isObj(byLang)) continue;
        for (const [lang, ref] of Object.entries(byLang)) {
          if (!isLanguage(lang)) out.push(`defaults.${task}: "${lang}" is not a language code`);
          if (!refs.has(ref)) out.push(`defaults.${task}.${lang}: no entry "${String(ref)}"`);
          const entry = data.models.find((m) => isObj(m) && m.ref === ref) as Record<string, unknown> | undefined;
          if (entry && entry.task !== task) out.push(`defaults.${task}.${lang}: ${String(ref)} is a ${String(entry.task)} model`);
          if (entry && lang !== "xx" && Array.isArray(entry.languages) && !entry.languages.includes(lang) && !entry.languages.includes("xx")) {
            out.push(`defaults.${task}.${lang}: ${String(ref)} does not list language ${lang}`);
          }
        }
      }
    }
  }
  return out;
}
