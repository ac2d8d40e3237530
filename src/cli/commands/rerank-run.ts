/**
 * Why: `nlp rerank "query" --file docs.txt` — documents ordered by a
 * cross-encoder's relevance score, best first, with their input line numbers.
 */
import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import { load } from "../../model/load.js";
import { defaultEntry } from "../../catalog/catalog.js";
import { parseOutputFormat } from "../../io/output.js";
import { createEcho } from "../echo.js";
import type { InputRecord } from "../../io/input.js";
import { rerank } from "../../tasks/embed/cross-encoder.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, loadModelForCli, openInput } from "../runtime.js";
import { startProgress } from "../progress.js";

export interface RerankCliOptions extends ModelCliOptions, InputCliOptions {
  topK?: number;
  activation?: "sigmoid" | "none";
  prefix?: string;
}


export async function runRerank(query: string, docs: string[], opts: RerankCliOptions, io: CliIO): Promise<void> {
  const format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  checkInput([query, ...docs], opts, io);
  // the query is the first positional unless it names the model (no -m)
  const { model, texts } = await loadModelForCli((ref, o) => load(ref!, o), opts, [query, ...docs], io, () => {
    const ref = defaultEntry("rerank", "en")?.ref;
    if (!ref) throw new UsageError("no reranker given; pass -m <a cross-encoder folder | catalog ref | owner/name>");
    return ref;
    // the query and documents as arguments are all the input; a query alone reads its documents from a stream
  }, (rest) => rest.length > 1);
  const [q, ...rest] = texts;
  if (q === undefined) throw new UsageError('no query: nlp rerank -m MODEL "query" --file docs.txt');
  const progress = await startProgress("reranking", { quiet: opts.quiet }, io);
  try {
    const input = await openInput(rest, opts, io);
    const hits = await rerank(model, q, input.records, (r: InputRecord) => r.text, { topK: opts.topK, activation: opts.activation, batchSize: opts.batchSize });
    const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
    // JSONL/CSV records (e.g. nlp search's hits) come back whole with rank and score added (pred_rank, pred_score where taken)
    const writer = createEcho({ env: io.env, inputFormat: input.format, format, out: io.stdout, plainFields: ["line", "text"], added: ["rank", "score"], prefix: opts.prefix, warn });
    let rank = 0;
    for (const h of hits) await writer.write(h.item.source, h.item.line, { line: h.item.line, text: h.item.text }, { rank: ++rank, score: h.score });
    await writer.end(input.header?.());
  } finally {
    progress.stop();
    await model.dispose();
  }
}
