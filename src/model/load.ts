import { TextClassifier, type LoadOptions } from "../tasks/classify/classifier.js";
import type { TokenClassifier } from "../tasks/ner/token-classifier.js";
import { resolveModel, type ResolveOptions, type ResolvedModel } from "./resolver.js";
import { defaultModel } from "../catalog/default-model.js";

export interface LoadModelOptions extends LoadOptions, Omit<ResolveOptions, "variant"> {}

export interface LoadedModel extends TextClassifier {
  readonly resolved: ResolvedModel;
}

/**
 * Resolves a reference (folder, catalog ref, Hub id) and loads the classifier.
 * Without one, the default model: NLP_DEFAULT_MODEL, else the user config's
 * defaultModel, else the sentiment model shipped in the package (as the CLI).
 *
 *   const model = await load("./bundle");
 *   const [r] = await model.classify(["A heartwarming and funny movie"]);
 */
export async function load(ref?: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const resolved = await resolveModel(ref ?? defaultModel().ref, opts);
  const model = await TextClassifier.fromFolder(resolved.dir, {
    ...opts,
    variant: opts.variant ?? resolved.variant,
    fallbackLabels: resolved.labels,
  });
  return Object.assign(model, { resolved }) as LoadedModel;
}

export interface LoadedTokenClassifier extends TokenClassifier {
  readonly resolved: ResolvedModel;
}

/**
 * Resolves a reference and loads a token classifier (NER, POS tagging).
 *
 *   const ner = await loadTokenClassifier("en.ner");
 *   const [{ entities }] = await ner.ner(["Ada Lovelace was born in London."]);
 */
export async function loadTokenClassifier(ref: string, opts: LoadModelOptions = {}): Promise<LoadedTokenClassifier> {
  const resolved = await resolveModel(ref, opts);
  // imported when used: a text classifier's first answer does not load the token-classification code
  const { TokenClassifier } = await import("../tasks/ner/token-classifier.js");
  const model = await TokenClassifier.fromFolder(resolved.dir, {
    ...opts,
    variant: opts.variant ?? resolved.variant,
    fallbackLabels: resolved.labels,
  });
  return Object.assign(model, { resolved }) as LoadedTokenClassifier;
}
