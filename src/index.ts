/** Library API: `import { load } from "nlp-classify"`. An explicit list: what is exported here is the public API. */
export { load, loadTokenClassifier, type LoadModelOptions, type LoadedModel, type LoadedTokenClassifier } from "./model/load.js";
export {
  TextClassifier,
  DEFAULT_BATCH_SIZE,
  type ClassifyOptions,
  type ClassifyRecord,
  type TokenizeRecord,
  type LoadOptions,
  type ModelInfo,
} from "./tasks/classify/classifier.js";
export { readBundle, locateBundle, type Bundle } from "./model/bundle.js";
export { TextTokenizer, type Encoded } from "./engine/tokenizer.js";
export { registerResolver, resolveModel, type Resolver, type ResolvedModel, type ResolveOptions } from "./model/resolver.js";
export {
  classifyRecords,
  planDocuments,
  scoreDocuments,
  LONG_MODES,
  LEVELS,
  type DocumentOptions,
  type DocumentPlan,
  type LongMode,
  type Level,
  type ScoredUnit,
  type ScoredItem,
  type DocumentScorer,
  type ClassifiedUnit,
  type ClassifyRun,
} from "./tasks/classify/documents.js";
export { splitSentences, type Sentence, type SplitOptions, type SplitterName } from "./engine/sentences.js";
export { DEFAULT_HYPOTHESIS, parseCandidateLabels, formatHypothesis, templateTakesLabel, nliIndices, zeroShotScores, type NliIndices } from "./tasks/classify/zero-shot.js";
export { windowRanges, weightedMean } from "./engine/chunking.js";
export {
  defaultFunction,
  applyFunction,
  softmax,
  labelNames,
  isPlaceholderLabels,
  rank,
  predictionFrom,
  type ScoreFunction,
  type LabelScore,
  type HeadConfig,
  type Prediction,
  type PredictOptions,
} from "./engine/postprocess.js";
export { planBatches, padBatch, type TokenRow, type PaddedBatch } from "./engine/batching.js";
export { NlpError, UsageError, BundleError, InputError, HubError, InferenceError, Interrupted, exitCodeFor, describeError } from "./errors.js";
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
} from "./tasks/ner/token-classifier.js";
export {
  AGGREGATION_STRATEGIES,
  tokenScores,
  gatherPreEntities,
  groupEntities,
  sequenceEntities,
  aggregateOverlappingEntities,
  textEntities,
  type AggregationStrategy,
  type TokenEntity,
  type EntityGroup,
  type Entity,
  type TokenSequence,
  type TokenizerFacts,
} from "./tasks/ner/entities.js";
export { OffsetAligner, alignerSpec, toUtf16, type Offset } from "./engine/offsets.js";
export { defaultModel, EMBEDDED_MODEL, type DefaultModel } from "./catalog/default-model.js";
export { loadEmbedder, type LoadEmbedderOptions, type LoadedEmbedder } from "./model/load-embedder.js";
export { TextEmbedder, type EmbedOptions, type EmbedLoadOptions, type EmbeddedItem, type EmbedderInfo } from "./tasks/embed/embedder.js";
export { readSentenceConfig, type SentenceConfig } from "./model/sentence-bundle.js";
export { similarity, normalize, poolSequence, POOLING_MODES, SIMILARITY_FUNCTIONS, type PoolingMode, type SimilarityFunction } from "./engine/pooling.js";
export { rerank, crossEncoderActivation, type RerankOptions, type RerankHit } from "./tasks/embed/cross-encoder.js";
export {
  serve,
  SERVE_DEFAULTS,
  type ServeOptions,
  type ServerHandle,
  type ServableModel,
  type ServableClassifier,
  type ServableEmbedder,
  type ServableTokenClassifier,
} from "./serve/server.js";
export { RemoteClassifier, RemoteTokenClassifier, RemoteEmbedder, ServerConnection, type RemoteOptions } from "./serve/client.js";
