/**
 * Why: `nlp search` — the corpus lines most similar to each query, best first
 * with scores and line numbers, streaming the corpus (or a prebuilt index) so
 * memory stays bounded by --top-k, not by the corpus.
 */
import { resolve } from "node:path";
import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import { similarity, type SimilarityFunction } from "../../engine/pooling.js";
import { TopK } from "../../engine/top-k.js";
import { createWriter, parseOutputFormat } from "../../io/output.js";
import { inputFormatFor, openSource, readRecords, type InputRecord } from "../../io/input.js";
import { guardSource } from "../../io/source-guard.js";
import { indexTexts, readIndexMeta } from "../../io/embedding-index.js";
import { npyRows } from "../../io/npy.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { loadEmbedderForCli, openInput } from "../runtime.js";
import { startProgress } from "../progress.js";
import { embedOptionsFrom, type EmbedCliOptions } from "../embed-options.js";
import type { EmbedOptions } from "../../tasks/embed/embedder.js";

export interface SearchCliOptions extends ModelCliOptions, InputCliOptions, EmbedCliOptions {
  corpus?: string;
  index?: string;
  topK: number;
  corpusPromptName?: string;
}

interface Hit {
  line: number;
  text: string;
}


export async function runSearch(args: string[], opts: SearchCliOptions, io: CliIO): Promise<void> {
  if ((opts.corpus === undefined) === (opts.index === undefined)) throw new UsageError("pass the texts to search: --corpus FILE or --index DIR (one of them)");
  const format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  const meta = opts.index !== undefined ? readIndexMeta(opts.index) : undefined;
  if (meta) {
    if (opts.corpusPromptName !== undefined) throw new UsageError("--corpus-prompt-name applies to --corpus; an index keeps the prompt it was built with");
    if (opts.dimensions !== undefined && opts.dimensions !== meta.dimensions) throw new UsageError(`the index holds ${meta.dims}-dimension vectors; drop --dimensions (it was built with ${meta.dimensions ?? "all dimensions"})`);
  }
  // with an index and no -m, the model that built it
  const modelOpts = meta && !opts.model ? { ...opts, model: meta.model.dir } : opts;
  // the queries are all the model embeds when an index holds the corpus; --corpus streams it through the model
  const { model, texts } = await loadEmbedderForCli(modelOpts, args, io, (rest) => rest.length > 0 && meta !== undefined);
  try {
    // -m may name the same model another way (a catalog ref, a copy): a warning, not a refusal; only the
    // dimensions are checked below, so two models of one size would compare silently
    if (meta && opts.model !== undefined && resolve(model.bundle.dir) !== resolve(meta.model.dir) && !opts.quiet) {
      io.stderr.write(
        `nlp: warning: ${opts.index} was built with ${meta.model.ref}; the queries are embedded with ${model.resolved.ref}: the scores compare two models' vectors unless they are the same model (drop -m to use the index's)\n`,
      );
    }
    const base = embedOptionsFrom(opts);
    const shared: EmbedOptions = meta ? { ...base, normalize: meta.normalize, dimensions: meta.dimensions ?? undefined } : base;
    const queryOpts: EmbedOptions = { ...shared, role: "query" };
    const corpusOpts: EmbedOptions = { ...shared, prompt: undefined, promptName: opts.corpusPromptName, role: "document" };
    model.promptFor(queryOpts);
    if (!meta) model.promptFor(corpusOpts);
    const fn: SimilarityFunction = model.similarityFn;
    const progress = await startProgress("searching", { quiet: opts.quiet }, io);
    try {
      const queries: { text: string; vector: Float32Array; top: TopK<number | Hit> }[] = [];
      // with --corpus, the reading flags (--input, --column, --text-key …) describe the corpus: queries are arguments or lines
      const corpusFlags = { input: undefined, column: undefined, header: undefined, delimiter: undefined, quote: undefined, textKey: undefined };
      const input = await openInput(texts, opts.corpus !== undefined ? { ...opts, ...corpusFlags } : opts, io);
      for await (const r of model.embedStream(input.records, { ...queryOpts, textOf: (x: InputRecord) => x.text })) {
        queries.push({ text: r.item.text, vector: r.embedding, top: new TopK(opts.topK) });
      }
      // no query: nothing to scan, but the output is still written ([] in JSON, the header in CSV), as every command's
      if (queries.length > 0 && meta) {
        // an index of an empty corpus has no vector to take its dimensions from (0): nothing to compare, no hit
        if (meta.rows > 0 && queries[0].vector.length !== meta.dims) {
          throw new UsageError(`the queries have ${queries[0].vector.length} dimensions but the index ${meta.dims}; search with the model that built it (${meta.model.ref})`);
        }
        for await (const chunk of npyRows(`${opts.index}/embeddings.npy`)) {
          const n = chunk.data.length / chunk.cols;
          for (let i = 0; i < n; i++) {
            const row = chunk.data.subarray(i * chunk.cols, (i + 1) * chunk.cols);
            for (const q of queries) q.top.push(similarity(q.vector, row, fn), chunk.first + i);
          }
          progress.tick(n);
        }
      } else if (queries.length > 0) {
        const format = inputFormatFor({ ...opts, file: opts.corpus });
        const source = guardSource(openSource(opts.corpus, io.stdin), opts.corpus!);
        const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
        const records = readRecords(format, source.stream, { ...opts, warn });
        for await (const r of model.embedStream(records, { ...corpusOpts, textOf: (x: InputRecord) => x.text })) {
          for (const q of queries) q.top.push(similarity(q.vector, r.embedding, fn), { line: r.item.line, text: r.item.text });
          progress.tick();
        }
      }
      const rows = meta ? new Set(queries.flatMap((q) => q.top.result().map((h) => h.item as number))) : new Set<number>();
      const hits = meta ? await indexTexts(opts.index!, rows) : undefined;
      const many = queries.length > 1;
      const columns = [...(many ? ["query"] : []), "rank", "score", "line", "text"];
      const writer = createWriter(format, io.stdout, { env: io.env, columns });
      for (const q of queries) {
        let rank = 0;
        for (const h of q.top.result()) {
          const hit = typeof h.item === "number" ? hits!.get(h.item)! : h.item;
          await writer.write({ query: q.text, rank: ++rank, score: h.score, line: hit.line, text: hit.text });
        }
      }
      await writer.end();
    } finally {
      progress.stop();
    }
  } finally {
    // stops the worker threads and sessions however the run ends: tests run many commands in one process
    await model.dispose();
  }
}
