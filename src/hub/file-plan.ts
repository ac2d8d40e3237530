/**
 * Which files of a repo make a bundle for one ONNX variant: from a catalog
 * layout, from the repo's file list, or from what a snapshot already holds.
 */
import { relative } from "node:path";
import { HubError, UsageError } from "../errors.js";
import { DEFAULT_ORDER, VARIANT_FILES, locateBundle, normalizeVariant } from "../model/bundle.js";
import type { FilePlan } from "./cached-snapshot.js";

/** sentence-transformers' config files at the repo root and its Pooling module's config (1_Pooling/config.json). */
const SENTENCE_FILES = /^(modules\.json|config_sentence_transformers\.json|sentence_bert_config\.json|\d+_Pooling\/config\.json)$/;

/** Where bundles keep their files, in the order bundle.ts looks. */
const DIRS = ["", "onnx/"];

function pick(files: Set<string>, name: string): string | undefined {
  return DIRS.map((d) => d + name).find((p) => files.has(p));
}

/** The graph file for a variant in a file list, or undefined. */
function onnxFor(files: Set<string>, variant: string): string | undefined {
  for (const d of ["onnx/", ""]) for (const n of VARIANT_FILES[variant] ?? []) if (files.has(d + n)) return d + n;
  return undefined;
}

/** Variants a file list offers, in preference order. */
export function variantsIn(list: string[]): string[] {
  const files = new Set(list);
  return DEFAULT_ORDER.filter((v) => onnxFor(files, v));
}

export function planFromListing(repo: string, list: string[], variant?: string): FilePlan {
  const files = new Set(list);
  const config = pick(files, "config.json");
  const tokenizer = pick(files, "tokenizer.json");
  const offered = variantsIn(list);
  if (offered.length === 0) {
    throw new HubError(
      `${repo} has no ONNX export (looked for onnx/model.onnx, onnx/model_quantized.onnx, model.onnx …): pick a model from \`nlp models\`, or export it with \`optimum-cli export onnx --task text-classification\` and \`nlp import\``,
    );
  }
  if (!config || !tokenizer) {
    throw new HubError(`${repo} has no ${config ? "tokenizer.json" : "config.json"}: nlp needs a fast tokenizer and the config next to the ONNX file`);
  }
  const chosen = variant ? normalizeVariant(variant) : offered[0];
  const onnx = onnxFor(files, chosen);
  if (!onnx) throw new UsageError(`variant ${chosen} is not published in ${repo}; available: ${offered.join(", ")}`);
  // external weights (model.onnx_data …) come before the graph, so a graph in the cache means a complete variant
  const data = list.filter((f) => f !== onnx && (f.startsWith(`${onnx}_data`) || f.startsWith(`${onnx}.data`))).sort();
  const tokDir = tokenizer.slice(0, tokenizer.length - "tokenizer.json".length);
  const optional = [`${tokDir}tokenizer_config.json`].filter((f) => files.has(f));
  // sentence-transformers' pipeline (nlp embed): without them pooling and normalization would silently fall back
  optional.push(...list.filter((f) => SENTENCE_FILES.test(f)));
  return { required: [config, tokenizer, ...data, onnx], optional };
}

/** The plan a complete snapshot satisfies for this variant, or null when something is missing. */
export function planFromSnapshot(dir: string, variant?: string): FilePlan | null {
  try {
    const b = locateBundle(dir, variant);
    const rel = (p: string) => relative(dir, p).split("\\").join("/");
    return { required: [rel(b.config), rel(b.tokenizer), rel(b.onnx)], optional: b.tokenizerConfig ? [rel(b.tokenizerConfig)] : [] };
  } catch {
    return null;
  }
}
