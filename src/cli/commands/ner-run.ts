/**
 * `nlp ner`: named entities (or any token labels) per input record, as transformers' token-classification
 * pipeline gives them, in JSON/JSONL/CSV/TSV, one row per entity (--explode), CoNLL or a terminal view.
 */
import { UsageError } from "../../errors.js";
import { createWriter, parseOutputFormat, put, terminalText, type OutputFormat } from "../../io/output.js";
import { createEcho } from "../echo.js";
import type { InputRecord } from "../../io/input.js";
import type { CsvRow } from "../../io/records.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, loadModelForCli, openInput } from "../runtime.js";
import { interruptible } from "../interrupt.js";
import { modelOrServer } from "../remote.js";
import type { CliIO } from "../io.js";
import { startProgress } from "../progress.js";
import { loadTokenClassifier } from "../../model/load.js";
import { type AggregationStrategy, type Entity } from "../../tasks/ner/entities.js";
import { validateNerOptions, type NerOptions, type NerResult, type OffsetUnit } from "../../tasks/ner/token-classifier.js";

export interface NerCliOptions extends ModelCliOptions, InputCliOptions {
  prefix?: string;
  aggregation?: string;
  ignoreLabels?: string;
  threshold?: number;
  stride?: number;
  offsets?: string;
  explode?: boolean;
  server?: string;
}

/** Used when no -m is given: the catalog's English NER entry. */
export const DEFAULT_NER_REF = "en.ner";
const ENTITY_COLUMNS = ["entities", "entity_count"];


type NerFormat = OutputFormat | "conll";

function parseNerFormat(value: string | undefined, isTTY: boolean): NerFormat {
  if (value?.toLowerCase() === "conll") return "conll";
  try {
    return parseOutputFormat(value, isTTY);
  } catch {
    throw new UsageError(`unknown --format "${value}"; use one of table, json, jsonl, csv, tsv, conll`);
  }
}

export function parseIgnoreLabels(value: string | undefined): string[] {
  if (value === undefined) return ["O"];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function runNer(texts: string[], opts: NerCliOptions, io: CliIO): Promise<void> {
  let format = parseNerFormat(opts.format, Boolean(io.stdout.isTTY));
  const ner: NerOptions = {
    aggregation: (opts.aggregation ?? "simple") as AggregationStrategy,
    ignoreLabels: parseIgnoreLabels(opts.ignoreLabels),
    threshold: opts.threshold,
    stride: opts.stride,
    offsets: opts.offsets as OffsetUnit,
    batchSize: opts.batchSize,
  };
  if (format === "conll") {
    if (opts.aggregation !== undefined && opts.aggregation !== "none") {
      throw new UsageError("--format conll writes one line per token: it takes no --aggregation (tokens are tagged as with none)");
    }
    if (opts.explode) throw new UsageError("--explode and --format conll do not go together: conll already has one line per token");
    // every token with its tag, O included
    Object.assign(ner, { aggregation: "none", ignoreLabels: [], threshold: undefined });
  }
  validateNerOptions(ner);
  checkInput(texts, opts, io);
  // a model loaded here, or the server's (client mode): the rest of the run is the same
  const { model, texts: rest } = await modelOrServer(
    opts,
    texts,
    io,
    () => loadModelForCli((ref, o) => loadTokenClassifier(ref!, o), opts, texts, io, () => DEFAULT_NER_REF),
    async (server, o) => (await import("../../serve/client.js")).RemoteTokenClassifier.connect(server, o),
  );
  try {
    const input = await openInput(rest, opts, io);
    const tabularIn = input.format === "csv" || input.format === "tsv";
    // CSV in, CSV out, as classify does
    if (tabularIn && opts.format === undefined && !io.stdout.isTTY) format = input.format as "csv" | "tsv";
    const warn = opts.quiet ? undefined : (l: string) => io.stderr.write(`nlp: ${l}\n`);
    const sink = createSink(format, { ...opts, inputFormat: input.format, none: ner.aggregation === "none", warn }, io);
    const progress = await startProgress("tagging", { quiet: opts.quiet, fraction: input.fraction }, io);
    let seen = 0;
    let cut = 0;
    let firstCut = 0;
    // Ctrl-C or a bad record after good ones: the output is closed (the JSON array's "]") before the exit
    const stop = interruptible(model.nerStream(input.records, (rec: InputRecord) => rec.text, ner), io.signals);
    try {
      for await (const r of stop.items) {
        seen++;
        if (r.truncated && cut++ === 0) firstCut = r.item.line;
        await sink.write(r);
        progress.tick();
      }
      await sink.end(input.header?.());
    } finally {
      progress.stop();
    }
    stop.finish(seen);
    // told once, at the end of the run, as the other commands' notices
    if (cut > 0) {
      warn?.(
        `${cut} of ${seen} texts ${cut === 1 ? "was" : "were"} longer than the model's ${model.tokenizer.maxLength} tokens and cut there (first on line ${firstCut}), as transformers does: entities after the cut are missing; --stride 128 covers whole texts`,
      );
    }
  } finally {
    // stops the worker threads and sessions however the run ends: tests run many commands in one process
    await model.dispose();
  }
}

interface Sink {
  write(r: NerResult<InputRecord>): Promise<void>;
  /** `header`: the CSV input's header row, for output that echoes it */
  end(header?: CsvRow): Promise<void>;
}

interface SinkOptions {
  explode?: boolean;
  inputFormat: string;
  prefix?: string;
  /** aggregation none: entity + index instead of entity_group */
  none: boolean;
  offsets?: string;
  warn?: (line: string) => void;
}

function entityColumns(none: boolean): string[] {
  return none ? ["entity", "score", "index", "word", "start", "end"] : ["entity_group", "score", "word", "start", "end"];
}

function createSink(format: NerFormat, o: SinkOptions, io: CliIO): Sink {
  const out = io.stdout;
  if (format === "conll") return conllSink(io);
  if (format === "table") return tableSink(o, io);
  if (o.explode) {
    const writer = createWriter(format, out, { env: io.env, columns: ["row", ...entityColumns(o.none)] });
    let row = 0;
    return {
      async write(r) {
        row++;
        for (const e of r.entities) await writer.write({ row, ...e });
      },
      end: () => writer.end(),
    };
  }
  // input records echoed with the added fields, under the project's one rule for added names (echo.ts)
  const tabularOut = format === "csv" || format === "tsv";
  const echo = createEcho({ env: io.env, inputFormat: o.inputFormat, format, out, plainFields: ["text"], added: tabularOut ? ENTITY_COLUMNS : ["entities"], prefix: o.prefix, warn: o.warn });
  return {
    write: (r) => echo.write(r.item.source, r.item.line, { text: r.text }, tabularOut ? { entities: r.entities, entity_count: r.entities.length } : { entities: r.entities }),
    end: (header) => echo.end(header),
  };
}

/** CoNLL: one "token<TAB>tag" line per token, a blank line after each text. */
function conllSink(io: CliIO): Sink {
  return {
    async write(r) {
      const cps = Array.from(r.text);
      let s = "";
      const ents = r.entities as Extract<Entity, { entity: string }>[];
      for (let i = 0; i < ents.length; i++) {
        const e = ents[i];
        // a token sharing its span with the next one (Metaspace "▁" before a word) is not a token of the text
        const next = ents[i + 1];
        if (next && next.start === e.start && next.end === e.end) continue;
        const surface = cps.slice(e.start, e.end).join("").replace(/\s+/g, " ");
        if (surface.trim() === "") continue;
        s += `${surface}\t${e.entity}\n`;
      }
      await put(io.stdout, s + "\n");
    },
    async end() {},
  };
}

const TABLE_FIT = {
  entity_group: { width: 14 },
  entity: { width: 10 },
  score: { width: 6 },
  index: { width: 5 },
  word: { width: 30, min: 8 },
  start: { width: 6 },
  end: { width: 6 },
};

const COLOURS = ["\x1b[1;36m", "\x1b[1;33m", "\x1b[1;35m", "\x1b[1;32m", "\x1b[1;34m", "\x1b[1;31m"];
const RESET = "\x1b[0m";

/** The terminal view: each text with its entities marked, then one row per entity. */
function tableSink(o: SinkOptions, io: CliIO): Sink {
  const colour = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  const colourOf = new Map<string, string>();
  const columns = entityColumns(o.none);
  let n = 0;
  return {
    async write(r) {
      const chars = o.offsets === "utf16" ? null : Array.from(r.text);
      const slice = (s: number, e: number) => terminalText(chars ? chars.slice(s, e).join("") : r.text.slice(s, e));
      const end = chars ? chars.length : r.text.length;
      let marked = "";
      let at = 0;
      for (const e of r.entities) {
        if (e.start < at) continue;
        const label = "entity_group" in e ? e.entity_group : e.entity;
        if (!colourOf.has(label)) colourOf.set(label, COLOURS[colourOf.size % COLOURS.length]);
        marked += slice(at, e.start);
        marked += colour ? `${colourOf.get(label)}${slice(e.start, e.end)}${RESET}\x1b[2m[${label}]${RESET}` : `[${slice(e.start, e.end)}](${label})`;
        at = e.end;
      }
      marked += slice(at, end);
      await put(io.stdout, (n++ > 0 ? "\n" : "") + marked.replace(/\s+/g, " ") + "\n");
      if (r.entities.length === 0) {
        await put(io.stdout, "(no entities)\n");
        return;
      }
      // the entities as the project's terminal table (io/output.ts), one per text
      const table = createWriter("table", io.stdout, { env: io.env, columns, table: TABLE_FIT });
      for (const e of r.entities) await table.write(e as unknown as Record<string, unknown>);
      await table.end();
    },
    async end() {},
  };
}
