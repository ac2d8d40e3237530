/**
 * Turns a model reference into a folder on disk. Resolvers are tried in
 * order; each either claims the reference (and returns a folder) or passes.
 * Local folders come first so a folder named like a catalog ref still wins.
 */
import { existsSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { UsageError } from "../errors.js";
import { expandHome } from "../env.js";

export interface ResolveOptions {
  /** ONNX variant the caller wants, so a downloader fetches only its files */
  variant?: string;
  /** never touch the network */
  offline?: boolean;
  /** who asked for offline mode, for messages (the CLI: "--offline was given"); default: the load option */
  offlineReason?: string;
  /** Hub revision override (branch, tag or commit) */
  revision?: string;
  /** progress and notices go here (stderr in the CLI) */
  log?: (line: string) => void;
  /** show download progress with a spinner: true on stderr, or on the stream given (the CLI's stderr, when a terminal) */
  progress?: boolean | NodeJS.WritableStream;
}

export interface ResolvedModel {
  /** the folder holding the bundle */
  dir: string;
  /** the reference as the user gave it */
  ref: string;
  /** how it was resolved */
  source: string;
  /** the variant the resolver recommends (e.g. from a catalog entry) */
  variant?: string;
  /** label names by index, used where the model's config has none or only LABEL_i (catalog entries) */
  labels?: string[];
  /** free-form details for `nlp info` */
  details?: Record<string, unknown>;
}

export type Resolver = (ref: string, opts: ResolveOptions) => Promise<ResolvedModel | null>;

export function looksLikePath(ref: string): boolean {
  return ref.startsWith(".") || ref.startsWith("/") || ref.startsWith("~") || /^[A-Za-z]:[\\/]/.test(ref);
}

export const localFolderResolver: Resolver = async (ref, opts) => {
  const expanded = expandHome(ref);
  if (existsSync(expanded) && statSync(expanded).isDirectory()) {
    if (opts.revision !== undefined) throw new UsageError(`${ref} is a folder, not a Hub model: it has no \`revision\`; drop it`, { option: "revision" });
    return { dir: resolvePath(expanded), ref, source: "local" };
  }
  if (looksLikePath(ref)) {
    throw new UsageError(`model folder not found: ${ref}; check the path, or name a catalog model (see \`nlp models\`)`);
  }
  return null;
};

/**
 * Catalog references and Hub ids, after local folders. The catalog and download code load only when a
 * reference needs them, so `nlp --help` stays fast.
 */
export const catalogAndHubResolver: Resolver = async (ref, opts) => {
  const { catalogResolver } = await import("../catalog/materialize.js");
  return catalogResolver(ref, opts);
};

/** The chain: local folders, then catalog refs and Hub ids, then users' resolvers (or theirs first with `first`). */
const resolvers: Resolver[] = [localFolderResolver, catalogAndHubResolver];

/** Adds a resolver to the chain (after the ones already there unless `first`). */
export function registerResolver(r: Resolver, first = false): void {
  if (resolvers.includes(r)) return;
  if (first) resolvers.unshift(r);
  else resolvers.push(r);
}

export async function resolveModel(ref: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const trimmed = ref.trim();
  if (!trimmed) throw new UsageError("empty model reference; pass -m <folder | catalog ref | owner/name>");
  for (const r of resolvers) {
    const found = await r(trimmed, opts);
    if (found) return found;
  }
  throw new UsageError(`unknown model "${ref}": not a folder here; pass a folder holding config.json, tokenizer.json and onnx/model.onnx`);
}
