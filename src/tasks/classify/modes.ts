// The --long and --level choices, in a module of their own so the CLI can list them without loading the engine.
export type LongMode = "truncate" | "chunk" | "sentences";
export const LONG_MODES: LongMode[] = ["truncate", "chunk", "sentences"];
export type Level = "document" | "sentence";
export const LEVELS: Level[] = ["document", "sentence"];
