/**
 * Why: `nlp similarity` — how alike two texts are by the model's own measure
 * (config_sentence_transformers.json's similarity_fn_name), for one pair, one
 * text against several, or every pair of a CSV/TSV/JSONL file, in input order.
 */
import type { CliIO } from "../io.js";
import { InputError, UsageError } from "../../errors.js";
import { SIMILARITY_FUNCTIONS, similarity, type SimilarityFunction } from "../../engine/pooling.js";
import { parseOutputFormat } from "../../io/output.js";
import { isCsvRow, pickColumn, type CsvRow } from "../../io/csv-input.js";
import { createEcho } from "../echo.js";
import { getPath, inputFormatFor, type InputRecord } from "../../io/input.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, loadEmbedderForCli, openInput, type OpenedInput } from "../runtime.js";
import { startProgress } from "../progress.js";
import { embedOptionsFrom, type EmbedCliOptions } from "../embed-options.js";

export interface SimilarityCliOptions extends ModelCliOptions, InputCliOptions, EmbedCliOptions {
  pairKey?: string;
  pairColumn?: string;
  function?: string;
  prefix?: string;
}

interface Pair {
  text: string;
  pair: string;
  source?: unknown;
  /** input line (record) number, for messages */
  line: number;
}


function similarityFunction(name: string | undefined): SimilarityFunction | undefined {
  if (name === undefined) return undefined;
  const fn = (name.toLowerCase() === "dot_product" ? "dot" : name.toLowerCase()) as SimilarityFunction;
  if (!SIMILARITY_FUNCTIONS.includes(fn)) throw new UsageError(`--function must be one of ${SIMILARITY_FUNCTIONS.join(", ")}, got "${name}"`);
  return fn;
}

/** The two text columns of a CSV/TSV row: --column / --pair-column, else "text" / "text_pair", else a two-column file's columns. */
function csvPairColumns(row: CsvRow, opts: SimilarityCliOptions): [number, number] {
  const { columns, header } = row;
  const named = (name: string) => (header ? columns.findIndex((c) => c.trim().toLowerCase() === name) : -1);
  let first = opts.column !== undefined ? pickColumn(columns, opts.column, header) : named("text");
  let second = opts.pairColumn !== undefined ? pickColumn(columns, opts.pairColumn, header) : named("text_pair");
  if (columns.length === 2) {
    if (first < 0) first = second === 0 ? 1 : 0;
    if (second < 0) second = 1 - first;
  }
  if (first < 0 || second < 0) {
    const list = header ? columns.map((c) => JSON.stringify(c)).join(", ") : `1-${columns.length}`;
    throw new UsageError(`which columns hold the two texts? pass --column <name|n> and --pair-column <name|n> (columns: ${list})`);
  }
  if (first === second) throw new UsageError("--column and --pair-column name the same column; the pair needs two");
  return [first, second];
}

/** Input records as pairs; a JSONL record without the second text is an error (or skipped with --skip-invalid). */
async function* pairsFrom(records: AsyncIterable<InputRecord>, opts: SimilarityCliOptions, warn?: (l: string) => void): AsyncGenerator<Pair> {
  let cols: [number, number] | undefined;
  const pairKey = opts.pairKey ?? "text_pair";
  for await (const r of records) {
    const src = r.source;
    if (isCsvRow(src)) {
      cols ??= csvPairColumns(src, opts);
      yield { text: src.values[cols[0]] ?? "", pair: src.values[cols[1]] ?? "", source: src, line: r.line };
      continue;
    }
    const value = getPath(src, pairKey);
    if (value === undefined || value === null) {
      // a blank JSONL line is an empty record: an empty pair, one output per input line
      if (src && typeof src === "object" && Object.keys(src).length === 0) {
        yield { text: "", pair: "", source: src, line: r.line };
        continue;
      }
      const keys = src && typeof src === "object" ? Object.keys(src).slice(0, 10).join(", ") : "none";
      const msg = `line ${r.line} has no "${pairKey}" field for the second text (fields: ${keys})`;
      if (!opts.skipInvalid) throw new InputError(`${msg}; pass --pair-key <field> to name it, or --skip-invalid to report and skip such lines`);
      warn?.(`skipped: ${msg}`);
      continue;
    }
    yield { text: r.text, pair: typeof value === "string" ? value : String(value), source: src, line: r.line };
  }
}

export async function runSimilarity(texts: string[], opts: SimilarityCliOptions, io: CliIO): Promise<void> {
  let format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  const fnOverride = similarityFunction(opts.function);
  const embedOpts = embedOptionsFrom(opts);
  checkInput(texts, opts, io);
  const { model, texts: rest } = await loadEmbedderForCli(opts, texts, io);
  try {
    const fn = fnOverride ?? model.similarityFn;
    model.promptFor(embedOpts);
    const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
    let pairs: AsyncIterable<Pair> | Iterable<Pair>;
    let inputFormat = "args";
    let header: OpenedInput["header"];
    if (rest.length === 1) throw new UsageError("similarity needs two texts (or one and several to compare it with), or pairs from --file/stdin");
    if (rest.length >= 2) pairs = rest.slice(1).map((pair, i) => ({ text: rest[0], pair, line: i + 1 }));
    else {
      // the first text comes from the reader (--column / --text-key); CSV columns are settled on the first row
      const fmt = inputFormatFor(opts);
      const input = await openInput([], fmt === "csv" || fmt === "tsv" ? { ...opts, column: opts.column ?? "1" } : opts, io);
      inputFormat = input.format;
      header = input.header;
      if (inputFormat === "lines") throw new UsageError("similarity reads pairs: pass --input csv, tsv or jsonl (or a .csv/.tsv/.jsonl file)");
      pairs = pairsFrom(input.records, opts, warn);
    }
    const tabularIn = inputFormat === "csv" || inputFormat === "tsv";
    if (tabularIn && opts.format === undefined && !io.stdout.isTTY) format = inputFormat as "csv" | "tsv";
    const echo = createEcho({ env: io.env, inputFormat, format, out: io.stdout, plainFields: ["text", "text_pair"], added: ["score"], prefix: opts.prefix, warn });
    const progress = await startProgress("comparing", { quiet: opts.quiet }, io);

    // both texts of a pair go through one embedding stream (batched together), then meet again in order
    async function* sides(): AsyncGenerator<{ p: Pair; text: string }> {
      for await (const p of pairs) {
        yield { p, text: p.text };
        yield { p, text: p.pair };
      }
    }
    try {
      let first: Float32Array | undefined;
      for await (const { item, embedding } of model.embedStream(sides(), { ...embedOpts, textOf: (s) => s.text })) {
        if (first === undefined) {
          first = embedding;
          continue;
        }
        const score = similarity(first, embedding, fn);
        first = undefined;
        const p = item.p;
        await echo.write(p.source, p.line, { text: p.text, text_pair: p.pair }, { score });
        progress.tick();
      }
      await echo.end(header?.());
    } finally {
      progress.stop();
    }
  } finally {
    // stops the worker threads and sessions however the run ends: tests run many commands in one process
    await model.dispose();
  }
}
