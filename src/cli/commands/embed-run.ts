/**
 * Why: `nlp embed` — one sentence vector per input record, in input order, as
 * JSON/JSONL/CSV/TSV records, a NumPy .npy matrix, or a terminal summary.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import { float32Number, norm } from "../../engine/pooling.js";
import { createWriter, parseOutputFormat, type OutputFormat, type RecordWriter } from "../../io/output.js";
import { createEcho, type Echo } from "../echo.js";
import { createNpyWriter } from "../../io/npy.js";
import { createIndexWriter } from "../../io/embedding-index.js";
import type { InputRecord } from "../../io/input.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, loadEmbedderForCli, openInput } from "../runtime.js";
import { interruptible } from "../interrupt.js";
import { modelOrServer } from "../remote.js";
import { startProgress } from "../progress.js";
import { embedOptionsFrom, type EmbedCliOptions } from "../embed-options.js";

export interface EmbedCommandOptions extends ModelCliOptions, InputCliOptions, EmbedCliOptions {
  output?: string;
  index?: string;
  prefix?: string;
  server?: string;
}

/** Values shown per vector on a terminal. */
const PREVIEW = 4;


/** A file for -o, opened before any work so a bad path fails at once with the fix. */
async function openOutput(path: string): Promise<Writable> {
  const out = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    out.once("ready", () => resolve());
    out.once("error", (err) => reject(new UsageError(`cannot write -o ${path}: ${err.message}; check that its folder exists and is writable`)));
  });
  return out;
}

function outputFormat(opts: EmbedCommandOptions, io: CliIO): OutputFormat | "npy" {
  const npy = opts.format?.toLowerCase() === "npy" || (opts.format === undefined && /\.npy$/i.test(opts.output ?? ""));
  if (npy) {
    if (!opts.output || opts.output === "-") throw new UsageError("--format npy writes a binary file: pass -o FILE.npy");
    return "npy";
  }
  return parseOutputFormat(opts.format, opts.output === undefined && Boolean(io.stdout.isTTY));
}

export async function runEmbed(texts: string[], opts: EmbedCommandOptions, io: CliIO): Promise<void> {
  if (opts.index !== undefined && (opts.output !== undefined || opts.format !== undefined)) throw new UsageError("--index writes its own files; drop -o/--format");
  let format = opts.index !== undefined ? "npy" : outputFormat(opts, io);
  // an index is a corpus: sentence-transformers' encode_document prompt unless one is given
  const embedOpts = { ...embedOptionsFrom(opts), role: opts.index !== undefined ? ("document" as const) : undefined };
  checkInput(texts, opts, io);
  // a model loaded here, or the server's (client mode): the rest of the run is the same
  const { model, texts: rest } = await modelOrServer(
    opts,
    texts,
    io,
    () => loadEmbedderForCli(opts, texts, io),
    async (server, o) => (await import("../../serve/client.js")).RemoteEmbedder.connect(server, o),
  );
  try {
    const prompt = await model.promptFor(embedOpts); // a wrong --prompt-name fails before any input is read
    const input = await openInput(rest, opts, io);
    const tabularIn = input.format === "csv" || input.format === "tsv";
    // CSV in, CSV out, as classify
    if (tabularIn && opts.format === undefined && format !== "npy" && (opts.output !== undefined || !io.stdout.isTTY)) format = input.format as "csv" | "tsv";
    const progress = await startProgress("embedding", { quiet: opts.quiet, fraction: input.fraction }, io);
    const stream = model.embedStream(input.records, { ...embedOpts, textOf: (r: InputRecord) => r.text });
    try {
      if (opts.index !== undefined) {
        const index = await createIndexWriter(opts.index);
        for await (const r of stream) {
          await index.write(r.item.line, r.item.text, r.embedding);
          progress.tick();
        }
        const b = model.bundle;
        const meta = await index.end({
          model: { ref: model.resolved.ref, dir: b.dir, variant: b.variant },
          prompt,
          normalize: embedOpts.normalize ?? model.config.normalize,
          dimensions: embedOpts.dimensions ?? null,
          similarity_fn_name: model.similarityFn,
        });
        if (!opts.quiet) io.stderr.write(`nlp: indexed ${meta.rows} record(s) of ${meta.dims} dimensions in ${opts.index}\n`);
        return;
      }
      if (format === "npy") {
        const npy = await createNpyWriter(opts.output!);
        for await (const r of stream) {
          await npy.write(r.embedding);
          progress.tick();
        }
        const [rows, cols] = await npy.end();
        if (!opts.quiet) io.stderr.write(`nlp: wrote ${opts.output} (float32 [${rows}, ${cols}], row i = input record i)\n`);
        return;
      }
      const out: Writable = opts.output && opts.output !== "-" ? await openOutput(opts.output) : io.stdout;
      const table = format === "table";
      const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
      const writer = table
        ? createWriter("table", out, { env: io.env,
            columns: ["text", "dims", "norm", "values"],
            // the preview is PREVIEW numbers of up to 7 characters and " …"; dims and norm are short numbers
            table: { dims: { width: 5 }, norm: { width: 6 }, values: { width: PREVIEW * 8 + 1, min: 8 } },
          })
        : createEcho({ env: io.env, inputFormat: input.format, format, out, plainFields: ["text"], added: ["embedding"], prefix: opts.prefix, warn });
      // Ctrl-C or a bad record after good ones: the output is closed (the JSON array's "]") before the exit
      const stop = interruptible(stream, io.signals);
      let written = 0;
      for await (const { item, embedding } of stop.items) {
        written++;
        if (table) {
          const head = Array.from(embedding.subarray(0, PREVIEW), (x) => x.toFixed(4)).join(" ");
          await (writer as RecordWriter).write({ text: item.text, dims: embedding.length, norm: norm(embedding), values: embedding.length > PREVIEW ? `${head} …` : head });
        } else await (writer as Echo).write(item.source, item.line, { text: item.text }, { embedding: Array.from(embedding, float32Number) });
        progress.tick();
      }
      await (table ? (writer as RecordWriter).end() : (writer as Echo).end(input.header?.()));
      if (out !== io.stdout) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      stop.finish(written);
    } finally {
      progress.stop();
    }
  } finally {
    // stops the worker threads and sessions however the run ends: tests run many commands in one process
    await model.dispose();
  }
}
