/** Library API: `import { load } from "nlp-classify"`. */
export { load, loadTokenClassifier, type LoadModelOptions, type LoadedModel, type LoadedTokenClassifier } from "./load.js";
export {
  TextClassifier,
  DEFAULT_BATCH_SIZE,
  type ClassifyOptions,
  type ClassifyRecord,
  type TokenizeRecord,
  type LoadOptions,
  type ModelInfo,
} from "./model/classifier.js";
export { readBundle, locateBundle, type Bundle } from "./model/bundle.js";
export { TextTokenizer, type Encoded } from "./model/tokenizer.js";
export { registerResolver, resolveModel, type Resolver, type ResolvedModel, type ResolveOptions } from "./resolve/resolver.js";
export {
  planDocuments,
  scoreDocuments,
  LONG_MODES,
  LEVELS,
  type DocumentOptions,
  type DocumentPlan,
  type LongMode,
  type Level,
  type ScoredUnit,
} from "./model/documents.js";
export { splitSentences, type Sentence, type SplitOptions, type SplitterName } from "./core/sentences.js";
export * from "./core/zero-shot.js";
export * from "./core/chunking.js";
export * from "./core/postprocess.js";
export * from "./core/batching.js";
export * from "./errors.js";
export { findEntry, defaultEntry, listEntries, loadCatalog, Catalog } from "./catalog/catalog.js";
export type { CatalogEntry } from "./catalog/schema.js";
export { pullModel, type PullOptions, type PullResult } from "./catalog/pull.js";
export {
  TokenClassifier,
  validateNerOptions,
  OFFSET_UNITS,
  type NerOptions,
  type NerRecord,
  type NerResult,
  type OffsetUnit,
} from "./model/token-classifier.js";
export * from "./core/token-classification.js";
export { OffsetAligner, alignerSpec, toUtf16, type Offset } from "./model/offsets.js";
export { defaultModel, EMBEDDED_MODEL, type DefaultModel } from "./catalog/default-model.js";
export { loadEmbedder, type LoadEmbedderOptions, type LoadedEmbedder } from "./load-embedder.js";
export { TextEmbedder, type EmbedOptions, type EmbedLoadOptions, type EmbeddedItem, type EmbedderInfo } from "./model/embedder.js";
export { readSentenceConfig, type SentenceConfig } from "./model/sentence-bundle.js";
export { similarity, normalize, poolSequence, POOLING_MODES, SIMILARITY_FUNCTIONS, type PoolingMode, type SimilarityFunction } from "./core/pooling.js";
export { rerank, crossEncoderActivation, type RerankOptions, type RerankHit } from "./model/cross-encoder.js";
