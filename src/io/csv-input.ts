/**
 * CSV and TSV input, streamed through csv-parse: a header row (or none with
 * --no-header), the text column by name or 1-based number, quoted fields with
 * newlines, a BOM, CRLF. Each record keeps its whole row so the output can
 * echo every column back unchanged.
 */
import { InputError, UsageError } from "../errors.js";
import type { CsvRow, InputOptions, InputRecord, RecordReader } from "./records.js";

export type { CsvRow } from "./records.js";

export function isCsvRow(x: unknown): x is CsvRow {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "csv-row";
}

/**
 * The row as an object (column → value), for JSON output. A repeated header name gets ".1", ".2" … as
 * pandas' read_csv names it: a later column must not overwrite an earlier one (the text shown would then
 * be another column than the one labelled).
 */
export function csvRowObject(row: CsvRow): Record<string, string> {
  const o: Record<string, string> = {};
  row.columns.forEach((c, i) => {
    let name = c;
    for (let k = 1; name in o; k++) name = `${c}.${k}`;
    o[name] = row.values[i] ?? "";
  });
  return o;
}

export function parseDelimiter(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const named: Record<string, string> = { tab: "\t", "\\t": "\t", comma: ",", semicolon: ";", pipe: "|", space: " " };
  const d = named[value.toLowerCase()] ?? value;
  if (d.length !== 1 || d === '"' || d === "\n" || d === "\r") {
    throw new UsageError(`--delimiter must be one character (or tab, comma, semicolon, pipe), got "${value}"`);
  }
  return d;
}

/** -q/--quote: one character, or "none" for no quoting. */
export function parseQuote(value: string | undefined, fallback: string | false): string | false {
  if (value === undefined) return fallback;
  if (value === "" || value.toLowerCase() === "none") return false;
  if (value.length !== 1 || value === "\n" || value === "\r") throw new UsageError(`--quote must be one character (e.g. '"') or none, got "${value}"`);
  return value;
}

export interface PickOptions {
  /** the flag that names this column, for messages (eval's is --text-column) */
  flag?: string;
  /** a column the text is not in (the gold label), left out of the guess */
  exclude?: string;
  /** whether the header row looks like data, to suggest --no-header */
  headerLooksLikeData?: boolean;
}

/** A column name for a message: long "names" (a review read as the header) are cut. */
function shownName(c: string): string {
  const one = c.replace(/\s+/g, " ");
  return JSON.stringify(one.length > 30 ? one.slice(0, 29) + "…" : one);
}

/**
 * Header cells that look like data rather than names: numbers, or prose (over 40
 * characters or 5+ words). A real header has short names; en.csv's first row has
 * an index, a review and a star count.
 */
export function dataLikeCells(cells: readonly string[]): string[] {
  return cells.filter((c) => {
    const t = c.trim();
    return /^[-+]?\d+([.,]\d+)?$/.test(t) || t.length > 40 || t.split(/\s+/).length >= 5;
  });
}

/**
 * Which field holds the text: --column by 1-based number, or by header name
 * (exact, then ignoring case); without --column, the one guess classify and eval
 * share: a column named "text", else "sentence" (GLUE's name), else the only
 * column besides the gold label ("label" unless told otherwise).
 */
export function pickColumn(columns: readonly string[], column: string | undefined, header: boolean, opts: PickOptions = {}): number {
  const flag = opts.flag ?? "--column";
  const list = header ? columns.map(shownName).join(", ") : `1-${columns.length}`;
  const noHeaderHint = header && opts.headerLooksLikeData ? `; the first row looks like data, not names: if the file has no header row, pass --no-header and ${flag} <number>` : "";
  const lower = columns.map((c) => c.trim().toLowerCase());
  if (column === undefined) {
    if (columns.length === 1) return 0;
    if (header) for (const name of ["text", "sentence"]) if (lower.includes(name)) return lower.indexOf(name);
    // the label column, by name (header only) or by its 1-based number (`--label-column 2`, with or without a header)
    const exclude = (opts.exclude ?? "label").trim().toLowerCase();
    const excluded = /^\d+$/.test(exclude) ? (i: number) => i === Number(exclude) - 1 : (i: number) => header && lower[i] === exclude;
    const rest = lower.flatMap((_, i) => (excluded(i) ? [] : [i]));
    if (rest.length === 1 && rest.length < columns.length) return rest[0];
    throw new UsageError(`which column holds the text? pass ${flag} <name or number> (columns: ${list})${noHeaderHint}`);
  }
  // a number is a position, even where a header cell reads the same (ag_news's first row is "3","…","…")
  if (/^\d+$/.test(column)) {
    const n = Number(column);
    if (n >= 1 && n <= columns.length) return n - 1;
    throw new UsageError(`${flag} ${column} is out of range: the input has ${columns.length} column(s) (columns: ${list})`);
  }
  if (header) {
    let i = columns.indexOf(column);
    if (i < 0) i = lower.indexOf(column.trim().toLowerCase());
    if (i >= 0) return i;
  }
  throw new UsageError(
    header
      ? `no column "${column}" in the header (columns: ${list}); pass ${flag} with one of them or its number${noHeaderHint}`
      : `${flag} "${column}" names a column but the input has no header (--no-header); pass a number 1-${columns.length}`,
  );
}

/** A quoted field spanning more lines than this is most likely a stray quote that joined rows. */
const RUNAWAY_LINES = 10;

function invalid(opts: InputOptions, msg: string, fix: string): void {
  if (!opts.skipInvalid) throw new InputError(`${msg}; ${fix}`);
  opts.warn?.(`skipped: ${msg}`);
}

export function csvReader(defaultDelimiter: string, defaultQuote: string | false): RecordReader {
  return async function* csvRecords(stream, opts): AsyncGenerator<InputRecord> {
    const delimiter = parseDelimiter(opts.delimiter, defaultDelimiter);
    const quote = parseQuote(opts.quote, defaultQuote);
    const header = opts.header !== false;
    // csv-parse loads only when CSV is read: plain-text runs never pay for it
    const { Parser } = await import("csv-parse");
    const options = {
      delimiter,
      quote,
      bom: true,
      info: true,
      // field counts are checked here, to name the row and honour --skip-invalid
      relax_column_count: true,
      // a stray quote inside an unquoted field is text, not an error
      relax_quotes: true,
      skip_records_with_error: Boolean(opts.skipInvalid),
      on_skip: (err: Error | undefined) => {
        if (err) opts.warn?.(`skipped: invalid CSV: ${err.message}`);
        return undefined;
      },
    };
    const rows = parsedRows(stream, () => (new Parser(options) as unknown as { api: CsvApi }).api, quote);
    // no header row in, none out, even when no row comes (an empty --shard of a headerless file must not
    // write a made-up "text,label,score" into the middle of the concatenated parts)
    if (!header) opts.onHeader?.({ kind: "csv-row", columns: [], header, values: [], delimiter, quote });

    const shownDelimiter = delimiter === "\t" ? "\\t" : delimiter;
    const quoteFix = quote ? `check the quoting (a field with ${quote} must be wrapped in ${quote}…${quote} with inner ones doubled)` : `if fields are quoted, pass --quote '"'`;
    let columns: string[] | undefined;
    let textIndex = 0;
    let row = 0;
    let lastLine = 0;
    let runaways = 0;
    try {
      for await (const { record, info } of rows) {
        const firstLine = lastLine + 1;
        lastLine = info.lines;
        if (columns === undefined) {
          columns = header ? record : record.map((_, i) => `col${i + 1}`);
          const dataLike = header ? dataLikeCells(record) : [];
          textIndex = pickColumn(columns, opts.column, header, { flag: opts.textFlag, exclude: opts.goldColumn, headerLooksLikeData: dataLike.length > 0 });
          // named by its header name: the user knows the first row is a header
          if (dataLike.length > 0 && !(opts.column !== undefined && !/^\d+$/.test(opts.column))) {
            const shown = dataLike.slice(0, 2).map((c) => JSON.stringify(c.length > 30 ? c.slice(0, 29) + "…" : c)).join(", ");
            opts.warn?.(`the first row, read as the header, looks like data (${shown}); if the file has no header row, pass --no-header`);
          }
          if (header) {
            // known before any data row: a header-only file still gets its header echoed (csv-output.ts)
            opts.onHeader?.({ kind: "csv-row", columns, header, values: [], delimiter, quote });
            continue;
          }
        }
        row++;
        if (quote && info.lines - firstLine + 1 > RUNAWAY_LINES && runaways++ < 3) {
          opts.warn?.(
            `row ${row} (lines ${firstLine}-${info.lines}) spans ${info.lines - firstLine + 1} lines inside one quoted field: a stray ${quote} may have joined rows; ${quoteFix}${delimiter === "\t" ? ", or pass --quote none" : ""}`,
          );
        }
        // a blank line in a multi-column file is not a row (as pandas reads it); in a one-column file it is an empty cell
        if (record.length === 1 && record[0] === "" && columns.length > 1) continue;
        if (record.length !== columns.length) {
          invalid(
            opts,
            `row ${row} (line ${info.lines}) has ${record.length} field(s) but ${header ? "the header has" : "the first row has"} ${columns.length}`,
            quote
              ? `quote fields that contain "${shownDelimiter}" or newlines, or check --delimiter, or pass --skip-invalid to report and skip such rows`
              : `check --delimiter, or if fields are quoted pass --quote '"', or pass --skip-invalid to report and skip such rows`,
          );
          continue;
        }
        const csvRow: CsvRow = { kind: "csv-row", columns, header, values: record, delimiter, quote };
        yield { text: record[textIndex] ?? "", source: csvRow, line: info.lines };
      }
    } catch (err) {
      if (err instanceof InputError || err instanceof UsageError) throw err;
      const e = err as { code?: string; message: string };
      if (typeof e.code === "string" && e.code.startsWith("CSV_")) {
        throw new InputError(`invalid CSV: ${e.message}; ${quoteFix} or check --delimiter`);
      }
      throw err;
    } finally {
      await rows.return(undefined);
    }
  };
}

/** csv-parse's transform API, which its stream and sync front ends both drive (Parser.api), and its state. */
interface CsvApi {
  parse(buf: Buffer | undefined, end: boolean, push: (r: ParsedRow) => void, close: () => void): Error | undefined;
  /** whether a quoted field is open, and the bytes kept back for lookahead */
  state: { quoting?: unknown; previousBuf?: unknown };
}

interface ParsedRow {
  record: string[];
  info: { lines: number };
}

/**
 * The rows of a CSV/TSV byte stream, each handed on as soon as the input pauses after it. csv-parse keeps the
 * bytes it may need to look ahead from (the last line end; a closing quote and the line end after it) until
 * more come (csv-parse#96), so on a pipe the last row of every burst waited for the next burst: `tail -f … |
 * nlp classify` was always one row behind. When nothing more is at hand and all the parser kept back is the
 * line end that closes a row (after its closing quote, if any), that parser is ended there, which hands on
 * the row, and a fresh one reads on; line numbers continue across. Anything else kept back (an open quoted
 * field, a lone line end of another kind than the file's) waits for more input, as before.
 */
async function* parsedRows(stream: AsyncIterable<Buffer | string>, make: () => CsvApi, quote: string | false): AsyncGenerator<ParsedRow> {
  const source = stream[Symbol.asyncIterator]();
  let api = make();
  let before = 0; // lines read by the parsers ended so far
  let lines = 0; // line ends given to this parser
  let ending: string | undefined; // the input's line end, "\n" or "\r\n", from its first line
  let last = 0; // the byte before the latest \n, to tell the line end
  const out: ParsedRow[] = [];
  const feed = (buf: Buffer | undefined, end: boolean): void => {
    const err = api.parse(buf, end, (r) => out.push({ record: r.record, info: { lines: before + r.info.lines } }), () => {});
    if (err) throw err;
  };
  /** whether what the parser kept back finishes a row: the rest of a field, a closing quote, the line end */
  const rowComplete = (): boolean => {
    const held = api.state.previousBuf;
    if (ending === undefined || !Buffer.isBuffer(held)) return false;
    const tail = held.toString("utf8");
    if (!tail.endsWith(ending) || tail.indexOf("\n") !== tail.length - 1) return false;
    const body = tail.slice(0, -ending.length);
    if (quote === false) return api.state.quoting === false;
    let run = 0; // quotes right before the line end
    while (body.endsWith(quote.repeat(run + 1))) run++;
    if (body.slice(0, body.length - run).includes(quote)) return false;
    // outside quotes: no quote may open a field; inside: an odd run ends in the closing quote (pairs are escapes)
    return api.state.quoting === false ? run === 0 : api.state.quoting === true && run % 2 === 1;
  };
  const idle = Symbol("idle");
  let pending: Promise<IteratorResult<Buffer | string>> | undefined;
  try {
    for (;;) {
      pending = source.next();
      pending.catch(() => {}); // awaited below; marked handled in case the reader stops first
      let step = await Promise.race([pending, new Promise<typeof idle>((r) => setImmediate(() => r(idle)))]);
      if (step === idle) {
        if (rowComplete()) {
          feed(undefined, true);
          before += lines;
          lines = 0;
          api = make();
          yield* out.splice(0);
        }
        step = await pending;
      }
      pending = undefined;
      if (step.done) break;
      const buf = typeof step.value === "string" ? Buffer.from(step.value) : step.value;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
        lines++;
        ending ??= (i > 0 ? buf[i - 1] : last) === 13 ? "\r\n" : "\n";
      }
      if (buf.length > 0) last = buf[buf.length - 1];
      feed(buf, false);
      yield* out.splice(0);
    }
    feed(undefined, true);
    yield* out.splice(0);
  } finally {
    // a reader that stops early (an error, `head`) leaves the rest of the input unread
    if (pending === undefined) await source.return?.(undefined);
    else void source.return?.(undefined)?.catch(() => {});
  }
}
