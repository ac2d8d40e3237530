/** Why: the library's entry for embeddings — a reference (folder, catalog ref, Hub id) to a loaded TextEmbedder. */
import { TextEmbedder, type EmbedLoadOptions } from "../tasks/embed/embedder.js";
import { resolveModel, type ResolveOptions, type ResolvedModel } from "./resolver.js";

export interface LoadEmbedderOptions extends EmbedLoadOptions, Omit<ResolveOptions, "variant"> {}

export interface LoadedEmbedder extends TextEmbedder {
  readonly resolved: ResolvedModel;
}

/**
 *   const model = await loadEmbedder("./all-MiniLM-L6-v2");
 *   const [a, b] = await model.embed(["A cat sat.", "A feline was sitting."]);
 *   model.similarity(a, b); // the model's similarity_fn_name, cosine by default
 */
export async function loadEmbedder(ref: string, opts: LoadEmbedderOptions = {}): Promise<LoadedEmbedder> {
  const resolved = await resolveModel(ref, opts);
  const model = await TextEmbedder.fromFolder(resolved.dir, { ...opts, variant: opts.variant ?? resolved.variant });
  return Object.assign(model, { resolved }) as LoadedEmbedder;
}
