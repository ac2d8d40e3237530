/**
 * Why: a sentence-transformers folder says how to turn token vectors into a
 * sentence vector (modules.json, 1_Pooling/config.json, sentence_bert_config.json,
 * config_sentence_transformers.json); this reads those files into one typed
 * config, as SentenceTransformer's loader does, without running anything.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BundleError } from "../errors.js";
import { POOLING_MODES, SIMILARITY_FUNCTIONS, type PoolingMode, type SimilarityFunction } from "../engine/pooling.js";

export interface SentenceConfig {
  /** pooling modes, concatenated in sentence-transformers' order */
  pooling: PoolingMode[];
  /** false: prompt tokens are masked out of the pooling (INSTRUCTOR-style models) */
  includePrompt: boolean;
  /** the Pooling config's word_embedding_dimension, when given */
  wordDimension?: number;
  /** the pipeline ends in a Normalize module */
  normalize: boolean;
  /** sentence_bert_config.json's max_seq_length (else the model's limit applies) */
  maxSeqLength?: number;
  /** sentence_bert_config.json's do_lower_case */
  doLowerCase: boolean;
  prompts: Record<string, string>;
  defaultPromptName: string | null;
  similarityFn: SimilarityFunction;
  /** module types after the Transformer that nlp does not apply itself (Dense, LayerNorm, …) */
  otherModules: string[];
  /** where the pipeline came from: the folder's modules.json, or sentence-transformers' default (mean pooling) */
  source: "modules.json" | "default";
}

interface ModuleEntry {
  path?: string;
  type?: string;
}

function readJson(path: string): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (v === null || typeof v !== "object") throw new Error("not a JSON object or array");
    return v as Record<string, unknown>;
  } catch (err) {
    throw new BundleError(`${path} is not valid JSON (${(err as Error).message}); re-download the model or re-save it with sentence-transformers`, 1, {
      cause: err,
    });
  }
}

function optionalJson(path: string): Record<string, unknown> | undefined {
  return existsSync(path) ? readJson(path) : undefined;
}

/** Pooling/config.json → modes; `pooling_mode` (a string) wins over the booleans, as Pooling.__init__. */
export function poolingModes(cfg: Record<string, unknown>, where: string): PoolingMode[] {
  if (typeof cfg.pooling_mode === "string") {
    const m = cfg.pooling_mode.toLowerCase() as PoolingMode;
    if (!POOLING_MODES.includes(m)) throw new BundleError(`${where}: unknown pooling_mode "${cfg.pooling_mode}"; sentence-transformers knows ${POOLING_MODES.join(", ")}`);
    return [m];
  }
  const flags: Record<PoolingMode, string> = {
    cls: "pooling_mode_cls_token",
    max: "pooling_mode_max_tokens",
    // Pooling's own default: mean when the key is absent
    mean: "pooling_mode_mean_tokens",
    mean_sqrt_len_tokens: "pooling_mode_mean_sqrt_len_tokens",
    weightedmean: "pooling_mode_weightedmean_tokens",
    lasttoken: "pooling_mode_lasttoken",
  };
  const modes = POOLING_MODES.filter((m) => (m === "mean" ? cfg[flags[m]] !== false : cfg[flags[m]] === true));
  if (modes.length === 0) throw new BundleError(`${where} turns every pooling mode off; set one of ${Object.values(flags).join(", ")} to true`);
  return modes;
}

/** Reads the sentence-transformers files of a model folder (all optional, as in sentence-transformers). */
export function readSentenceConfig(dir: string): SentenceConfig {
  const modulesPath = join(dir, "modules.json");
  const st = optionalJson(join(dir, "config_sentence_transformers.json")) ?? {};
  const prompts: Record<string, string> = {};
  if (st.prompts && typeof st.prompts === "object") {
    for (const [k, v] of Object.entries(st.prompts as Record<string, unknown>)) if (typeof v === "string") prompts[k] = v;
  }
  const defaultPromptName = typeof st.default_prompt_name === "string" && st.default_prompt_name ? st.default_prompt_name : null;
  if (defaultPromptName !== null && !(defaultPromptName in prompts)) {
    throw new BundleError(`${join(dir, "config_sentence_transformers.json")}: default_prompt_name "${defaultPromptName}" is not among its prompts (${Object.keys(prompts).join(", ") || "none"})`);
  }
  const fnName = typeof st.similarity_fn_name === "string" ? (st.similarity_fn_name === "dot_product" ? "dot" : st.similarity_fn_name) : "cosine";
  if (!SIMILARITY_FUNCTIONS.includes(fnName as SimilarityFunction)) {
    throw new BundleError(`${join(dir, "config_sentence_transformers.json")}: unknown similarity_fn_name "${st.similarity_fn_name}"; use one of ${SIMILARITY_FUNCTIONS.join(", ")}`);
  }
  const base = { prompts, defaultPromptName, similarityFn: fnName as SimilarityFunction };

  if (!existsSync(modulesPath)) {
    // SentenceTransformer on a plain transformers folder: Transformer + mean Pooling, no Normalize
    const sbert = optionalJson(join(dir, "sentence_bert_config.json")) ?? {};
    return { ...base, pooling: ["mean"], includePrompt: true, normalize: false, ...seqConfig(sbert), otherModules: [], source: "default" };
  }
  const modules = readJson(modulesPath) as unknown as ModuleEntry[];
  if (!Array.isArray(modules)) throw new BundleError(`${modulesPath} must be a JSON array of modules`);
  const kind = (m: ModuleEntry) => String(m.type ?? "").split(".").pop() ?? "";
  const transformer = modules.find((m) => kind(m) === "Transformer");
  const pooling = modules.find((m) => kind(m) === "Pooling");
  const sbert = optionalJson(join(dir, transformer?.path ?? "", "sentence_bert_config.json")) ?? optionalJson(join(dir, "sentence_bert_config.json")) ?? {};
  let poolingCfg: Record<string, unknown> = {};
  let where = "(no Pooling module)";
  if (pooling) {
    where = join(dir, pooling.path ?? "", "config.json");
    if (!existsSync(where)) throw new BundleError(`${where} is missing; modules.json lists a Pooling module there (re-download the model)`);
    poolingCfg = readJson(where);
  }
  return {
    ...base,
    pooling: pooling ? poolingModes(poolingCfg, where) : [],
    includePrompt: poolingCfg.include_prompt !== false,
    wordDimension: typeof poolingCfg.word_embedding_dimension === "number" ? poolingCfg.word_embedding_dimension : undefined,
    normalize: modules.some((m) => kind(m) === "Normalize"),
    ...seqConfig(sbert),
    otherModules: modules.map(kind).filter((k) => !["Transformer", "Pooling", "Normalize"].includes(k)),
    source: "modules.json",
  };
}

function seqConfig(sbert: Record<string, unknown>): { maxSeqLength?: number; doLowerCase: boolean } {
  const m = sbert.max_seq_length;
  return { maxSeqLength: typeof m === "number" && m > 0 ? m : undefined, doLowerCase: sbert.do_lower_case === true };
}

/** For `nlp info`: the embedding settings of a sentence-transformers folder, or undefined for other folders. */
export function describeSentenceConfig(dir: string): Record<string, unknown> | undefined {
  if (!["modules.json", "config_sentence_transformers.json", "sentence_bert_config.json"].some((f) => existsSync(join(dir, f)))) return undefined;
  const c = readSentenceConfig(dir);
  return {
    embedding_pooling: c.pooling.join("+") || "in the graph",
    embedding_include_prompt: c.includePrompt ? undefined : false,
    embedding_normalize: c.normalize,
    embedding_max_seq_length: c.maxSeqLength,
    embedding_prompts: Object.keys(c.prompts).length > 0 ? c.prompts : undefined,
    embedding_default_prompt: c.defaultPromptName ?? undefined,
    embedding_similarity: c.similarityFn,
    embedding_other_modules: c.otherModules.length > 0 ? c.otherModules : undefined,
  };
}
