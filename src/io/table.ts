/**
 * The terminal table: columns sized in terminal columns (string-width: CJK and emoji take two, a combining accent
 * none), fitted to the terminal's width, cut between graphemes. Its own module so that only a run printing a
 * table loads string-width and its lookup tables.
 */
import type { Writable } from "node:stream";
import stringWidth from "string-width";
import { graphemeSegmenter } from "../engine/graphemes.js";
import { cell, put, terminalText, type ColumnFit, type RecordWriter, type WriterOptions } from "./output.js";

/** The text column's default: the room left, but not wider than a comfortable line. */
const TEXT_COLUMN: ColumnFit = { width: 80, min: 12 };
/** Any other column nobody sized: room for a short value, cut to fit. */
const OTHER_COLUMN: ColumnFit = { width: 20, min: 8 };
const GAP = "  ";

/** The width to fit: the terminal's, else $COLUMNS (as `ls` and most shell tools), else 100. */
function terminalWidth(out: Writable, env: NodeJS.ProcessEnv = process.env): number {
  const tty = (out as { columns?: number }).columns;
  if (typeof tty === "number" && tty > 0) return tty;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 100;
}

/**
 * Which columns to show and how wide, to fit `total`: drop columns (highest
 * `drop` first) until their minimum widths fit, then cut the columns that may
 * shrink, widest first. Undroppable, unshrinkable columns may still overflow.
 */
function fitColumns(columns: readonly string[], headings: readonly string[], fits: Record<string, ColumnFit>, total: number): { index: number; width: number }[] {
  let cols = columns.map((c, index) => {
    const f = fits[c] ?? (c === "text" ? TEXT_COLUMN : OTHER_COLUMN);
    const heading = stringWidth(headings[index]);
    const width = (f.cells ?? []).reduce<number>((w, v) => Math.max(w, stringWidth(tableCell(v))), Math.max(heading, f.width ?? 0));
    return { index, width, min: Math.min(width, Math.max(heading, f.min ?? width)), drop: f.drop ?? 0 };
  });
  const need = (cs: typeof cols, key: "width" | "min") => cs.reduce((n, c) => n + c[key], 0) + GAP.length * (cs.length - 1);
  while (need(cols, "min") > total) {
    const victim = cols.reduce<(typeof cols)[number] | undefined>((v, c) => (c.drop > 0 && (!v || c.drop > v.drop) ? c : v), undefined);
    if (!victim) break;
    cols = cols.filter((c) => c !== victim);
  }
  let excess = need(cols, "width") - total;
  while (excess > 0) {
    const widest = cols.filter((c) => c.width > c.min).sort((a, b) => b.width - b.min - (a.width - a.min))[0];
    if (!widest) break;
    const cut = Math.min(excess, widest.width - widest.min, Math.max(1, Math.ceil(excess / 2)));
    widest.width -= cut;
    excess -= cut;
  }
  return cols.map(({ index, width }) => ({ index, width }));
}

/** One table cell: numbers with 4 decimals, text as terminalText shows it. */
function tableCell(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(4);
  return terminalText(cell(v));
}


/**
 * A cell in exactly `width` terminal columns: measured with string-width (CJK and emoji take two columns, a
 * combining accent none) and cut between graphemes, never inside one (nor between a surrogate pair's halves).
 */
function fitCell(s: string, width: number, right: boolean): string {
  let text = s;
  let w = stringWidth(s);
  if (w > width) {
    if (width <= 1) return "…".padEnd(width);
    text = "";
    w = 1; // the …
    for (const { segment } of graphemeSegmenter().segment(s)) {
      const g = stringWidth(segment);
      if (w + g > width) break;
      text += segment;
      w += g;
    }
    text += "…";
  }
  const pad = " ".repeat(width - w);
  return right ? pad + text : text + pad;
}

/**
 * A table for the terminal that streams: the column widths are settled before
 * the first row (from the width to fit and each column's expected width), so
 * each row is printed as soon as it is scored; longer cells are cut with ….
 * No borders and no rules between rows: columns two spaces apart, one rule
 * under the header. Hand-written because cli-table3 needs every row before it
 * can size the columns.
 */
export function tableWriter(out: Writable, opts: WriterOptions): RecordWriter {
  const headings = opts.headings ?? opts.columns;
  let layout: { index: number; width: number }[] | undefined;
  const line = (cells: string[], right: boolean[]) => layout!.map((c, i) => fitCell(cells[c.index], c.width, right[i])).join(GAP).trimEnd() + "\n";
  const start = (): string => {
    layout = fitColumns(opts.columns, headings, opts.table ?? {}, opts.width ?? terminalWidth(out, opts.env));
    return line([...headings], layout.map(() => false)) + layout.map((c) => "─".repeat(c.width)).join(GAP) + "\n";
  };
  return {
    async write(r) {
      const head = layout ? "" : start();
      const values = opts.columns.map((c) => r[c]);
      const right = layout!.map((c) => typeof values[c.index] === "number");
      await put(out, head + line(values.map(tableCell), right));
    },
    async end() {
      if (!layout) await put(out, start());
    },
  };
}
