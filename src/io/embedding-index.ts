/**
 * Why: `nlp embed --index DIR` embeds a corpus once so `nlp search --index DIR`
 * only embeds the query. A folder of plain files anyone can read:
 * embeddings.npy (float32 [rows, dims], row i = record i), texts.jsonl
 * ({"line", "text"} per row) and index.json (the model and settings that made it).
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { InputError, UsageError } from "../errors.js";
import { createNpyWriter, type NpyWriter } from "./npy.js";
import { readLines } from "./lines.js";
import { put } from "./output.js";

export const INDEX_FORMAT = "nlp-embedding-index";

export interface IndexMeta {
  format: typeof INDEX_FORMAT;
  version: 1;
  /** the model reference as given, and the folder it resolved to */
  model: { ref: string; dir: string; variant: string };
  prompt: string;
  normalize: boolean;
  dimensions: number | null;
  similarity_fn_name: string;
  rows: number;
  dims: number;
}

export interface IndexWriter {
  write(line: number, text: string, embedding: Float32Array): Promise<void>;
  end(meta: Omit<IndexMeta, "format" | "version" | "rows" | "dims">): Promise<IndexMeta>;
}

export async function createIndexWriter(dir: string): Promise<IndexWriter> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create --index ${dir}: ${(err as Error).message}`);
  }
  // the metadata goes last: a folder without index.json is an unfinished index, never a wrong one
  const metaPath = join(dir, "index.json");
  if (existsSync(metaPath)) writeFileSync(metaPath + ".old", readFileSync(metaPath));
  try {
    writeFileSync(metaPath, "");
  } catch (err) {
    throw new UsageError(`cannot write --index ${dir}: ${(err as Error).message}`);
  }
  const npy: NpyWriter = await createNpyWriter(join(dir, "embeddings.npy"));
  const texts: Writable = createWriteStream(join(dir, "texts.jsonl"));
  return {
    async write(line, text, embedding) {
      await npy.write(embedding);
      await put(texts, JSON.stringify({ line, text }) + "\n");
    },
    async end(meta) {
      const [rows, dims] = await npy.end();
      await new Promise<void>((resolve, reject) => texts.end((err?: Error | null) => (err ? reject(err) : resolve())));
      const full: IndexMeta = { format: INDEX_FORMAT, version: 1, ...meta, rows, dims };
      writeFileSync(metaPath, JSON.stringify(full, null, 2) + "\n");
      return full;
    },
  };
}

export function readIndexMeta(dir: string): IndexMeta {
  const path = join(dir, "index.json");
  if (!existsSync(path)) throw new UsageError(`${dir} is not an embedding index (no index.json); build one with \`nlp embed -m MODEL --index ${dir} -f corpus.txt\``);
  let meta: IndexMeta;
  try {
    meta = JSON.parse(readFileSync(path, "utf8")) as IndexMeta;
  } catch (err) {
    throw new InputError(`${path} is unfinished or not valid JSON (${(err as Error).message}); rebuild the index with nlp embed --index`);
  }
  if (meta.format !== INDEX_FORMAT || meta.version !== 1) throw new InputError(`${path} is not an nlp embedding index of version 1; rebuild it with nlp embed --index`);
  return meta;
}

/** Input line number and text of the given rows (0-based), read by streaming texts.jsonl once. */
export async function indexTexts(dir: string, rows: ReadonlySet<number>): Promise<Map<number, { line: number; text: string }>> {
  const out = new Map<number, { line: number; text: string }>();
  if (rows.size === 0) return out;
  const last = Math.max(...rows);
  let row = 0;
  const stream = createReadStream(join(dir, "texts.jsonl"));
  try {
    for await (const l of readLines(stream)) {
      if (rows.has(row)) out.set(row, JSON.parse(l) as { line: number; text: string });
      if (++row > last) break;
    }
  } finally {
    stream.destroy();
  }
  return out;
}
