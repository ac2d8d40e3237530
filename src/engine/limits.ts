/**
 * Upper bounds of the load options, shared by the library's checks and the CLI's flags. Past them nothing runs
 * faster and the machine gives out instead of a clear error: every worker is a V8 isolate with its own session
 * (1e9 workers: a fatal out-of-memory abort), 100,000 intra-op threads crash ONNX Runtime (SIGSEGV), and the
 * stream window holds batchSize × 32 texts in memory.
 */
export const LOAD_LIMITS = { workers: 256, threads: 256, batchSize: 4096 } as const;
