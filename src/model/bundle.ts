/**
 * A model bundle on local disk: a folder in the Hub's ONNX layout (or one of the
 * other layouts real repos use). This module only finds and reads files and
 * checks them for consistency; it does not run anything.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BundleError, UsageError } from "../errors.js";

/** Where ONNX variants live, in the order we look (Hub standard first). */
const ONNX_DIRS = ["onnx", "."];

/** Variant name → candidate file names, most common naming first. */
export const VARIANT_FILES: Record<string, string[]> = {
  fp32: ["model.onnx"],
  int8: ["model_quantized.onnx", "model_int8.onnx", "model_optimized_quantized.onnx"],
  uint8: ["model_uint8.onnx"],
  fp16: ["model_fp16.onnx"],
  q4: ["model_q4.onnx"],
  optimized: ["model_optimized.onnx"],
};
const VARIANT_ALIASES: Record<string, string> = { quantized: "int8", q8: "int8", fp: "fp32", float32: "fp32", float16: "fp16" };

/** Preference when no variant is asked for: int8 when present (smaller, faster), else fp32. */
export const DEFAULT_ORDER = ["int8", "fp32", "optimized", "fp16", "uint8", "q4"];

export interface ModelConfig {
  model_type?: string;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type?: string | null;
  num_labels?: number;
  architectures?: string[];
  [key: string]: unknown;
}

export interface TokenizerConfig {
  model_max_length?: number;
  padding_side?: "left" | "right";
  truncation_side?: "left" | "right";
  pad_token?: string | { content: string };
  tokenizer_class?: string;
  [key: string]: unknown;
}

export interface BundleFiles {
  dir: string;
  config: string;
  tokenizer: string;
  tokenizerConfig: string | null;
  onnx: string;
  variant: string;
  /** every variant present in the folder, name → path */
  variants: Record<string, string>;
}

export interface Bundle extends BundleFiles {
  configJson: ModelConfig;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfigJson: TokenizerConfig;
}

export function normalizeVariant(name: string): string {
  const v = name.trim().toLowerCase();
  const canonical = VARIANT_ALIASES[v] ?? v;
  if (!VARIANT_FILES[canonical]) {
    throw new UsageError(
      `unknown --variant "${name}"; use one of ${Object.keys(VARIANT_FILES).join(", ")} (or "quantized" for int8)`,
    );
  }
  return canonical;
}

function firstExisting(dir: string, candidates: string[]): string | null {
  for (const c of candidates) {
    const p = join(dir, c);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** Lists the ONNX variants present in a folder (either layout). */
export function findVariants(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [variant, names] of Object.entries(VARIANT_FILES)) {
    const found = firstExisting(dir, ONNX_DIRS.flatMap((d) => names.map((n) => join(d, n))));
    if (found) out[variant] = found;
  }
  return out;
}

/** Finds the files of a bundle folder without reading them. */
export function locateBundle(dir: string, variant?: string): BundleFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`model folder not found: ${dir}; pass a folder holding config.json, tokenizer.json and an .onnx file`);
  }
  const config = firstExisting(dir, ["config.json", "onnx/config.json"]);
  if (!config) throw new BundleError(`${join(dir, "config.json")} is missing; a bundle needs the model's config.json (id2label, model_type)`);
  const tokenizer = firstExisting(dir, ["tokenizer.json", "onnx/tokenizer.json"]);
  if (!tokenizer) {
    throw new BundleError(
      `${join(dir, "tokenizer.json")} is missing; export a fast tokenizer with AutoTokenizer.from_pretrained(...).save_pretrained(dir)`,
    );
  }
  const tokenizerConfig = firstExisting(dir, ["tokenizer_config.json", "onnx/tokenizer_config.json"]);
  const variants = findVariants(dir);
  if (Object.keys(variants).length === 0) {
    throw new BundleError(
      `no ONNX model in ${dir} (looked for onnx/model.onnx, onnx/model_quantized.onnx and model.onnx); export one with \`optimum-cli export onnx --task text-classification\``,
    );
  }
  let chosen: string;
  if (variant) {
    chosen = normalizeVariant(variant);
    if (!variants[chosen]) {
      throw new UsageError(
        `variant ${chosen} is not in ${dir} (${VARIANT_FILES[chosen].join(" or ")} missing); available: ${Object.keys(variants).join(", ")}`,
      );
    }
  } else {
    chosen = DEFAULT_ORDER.find((v) => variants[v])!;
  }
  return { dir, config, tokenizer, tokenizerConfig, onnx: variants[chosen], variant: chosen, variants };
}

function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new BundleError(`cannot read ${path}: ${(err as Error).message}`, 1, { cause: err });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
    return value as T;
  } catch (err) {
    throw new BundleError(`${path} is not valid JSON (${(err as Error).message}); re-download the ${what} or re-export the model`, 1, {
      cause: err,
    });
  }
}

/** Finds and reads a bundle, checking what can be checked without ONNX Runtime. */
export function readBundle(dir: string, variant?: string): Bundle {
  const files = locateBundle(dir, variant);
  const configJson = readJson<ModelConfig>(files.config, "config.json");
  const tokenizerJson = readJson<Record<string, unknown>>(files.tokenizer, "tokenizer.json");
  if (!tokenizerJson.model || typeof tokenizerJson.model !== "object") {
    throw new BundleError(`${files.tokenizer} has no "model" section; it is not a Hugging Face fast-tokenizer file`);
  }
  const tokenizerConfigJson = files.tokenizerConfig ? readJson<TokenizerConfig>(files.tokenizerConfig, "tokenizer_config.json") : {};
  if (configJson.id2label !== undefined && (typeof configJson.id2label !== "object" || configJson.id2label === null)) {
    throw new BundleError(`${files.config}: "id2label" must be an object of index → label`);
  }
  return { ...files, configJson, tokenizerJson, tokenizerConfigJson };
}
