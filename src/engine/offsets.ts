/**
 * Character offsets of tokens, as the Rust tokenizers' offset_mapping gives them: @huggingface/tokenizers
 * returns tokens only, so we align each token back onto the text. Each original character is normalized on
 * with an alignment from every normalized character to the original ones (aligned-normalizer.ts); tokens are
 * then matched in order on that normalized
 * text (bytes for byte-level BPE), skipping the whitespace the pre-tokenizer drops. Offsets are code-point
 * indices (Python string indices), end exclusive; see toUtf16 for JavaScript indices.
 */
import { UNICODE_TO_BYTES } from "./byte-level.js";
import { alignedNormalizer, type Unit } from "./aligned-normalizer.js";

export type Offset = [number, number];

import type { OffsetUnit } from "./offset-units.js";
export { OFFSET_UNITS, codePointIndex, type OffsetUnit } from "./offset-units.js";

interface Json {
  [k: string]: unknown;
}

/** What the alignment needs to know about a tokenizer.json. */
export interface AlignerSpec {
  modelType: string;
  /** WordPiece continuing prefix ("##"), BPE continuing prefix, when the model has one */
  continuingPrefix: string;
  endOfWordSuffix: string;
  unkToken: string | undefined;
  /** byte-level BPE: tokens are bytes mapped to printable characters */
  byteLevel: boolean;
  /** Metaspace replacement character ("▁"), when the pre-tokenizer uses one */
  metaspace: string | undefined;
  /** the pre-tokenizer removes whitespace (BERT, WhitespaceSplit): tokens never cover it */
  dropsWhitespace: boolean;
  /** byte-level post-processing trims spaces off offsets (RobertaProcessing / ByteLevel trim_offsets) */
  trimOffsets: boolean;
  addPrefixSpace: boolean;
  /** added tokens, with whether they absorb the whitespace before / after them */
  addedTokens: Map<string, { lstrip: boolean; rstrip: boolean }>;
}

function walk(node: unknown, visit: (n: Json) => void): void {
  if (!node || typeof node !== "object") return;
  const n = node as Json;
  visit(n);
  for (const key of ["pretokenizers", "processors", "normalizers", "decoders"]) {
    const list = n[key];
    if (Array.isArray(list)) for (const c of list) walk(c, visit);
  }
}

export function alignerSpec(tokenizerJson: Record<string, unknown>): AlignerSpec {
  const model = (tokenizerJson.model ?? {}) as Json;
  let byteLevel = false;
  let metaspace: string | undefined;
  let dropsWhitespace = false;
  let addPrefixSpace = false;
  walk(tokenizerJson.pre_tokenizer, (n) => {
    if (n.type === "ByteLevel") {
      byteLevel = true;
      addPrefixSpace ||= n.add_prefix_space === true;
    }
    if (n.type === "Metaspace") metaspace = typeof n.replacement === "string" ? n.replacement : "\u2581";
    if (n.type === "BertPreTokenizer" || n.type === "WhitespaceSplit" || n.type === "Whitespace") dropsWhitespace = true;
  });
  walk(tokenizerJson.decoder, (n) => {
    if (n.type === "ByteLevel") byteLevel = true;
  });
  let trimOffsets = false;
  walk(tokenizerJson.post_processor, (n) => {
    if ((n.type === "RobertaProcessing" || n.type === "ByteLevel") && n.trim_offsets === true) {
      trimOffsets = true;
      addPrefixSpace ||= n.add_prefix_space === true;
    }
  });
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as Json[]) : [];
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const vocab = model.vocab;
  let unkToken = typeof model.unk_token === "string" ? model.unk_token : undefined;
  if (model.type === "Unigram" && typeof model.unk_id === "number" && Array.isArray(vocab)) unkToken = str((vocab[model.unk_id] as unknown[])?.[0]);
  return {
    modelType: str(model.type),
    continuingPrefix: str(model.continuing_subword_prefix),
    endOfWordSuffix: str(model.end_of_word_suffix),
    unkToken,
    byteLevel,
    metaspace,
    dropsWhitespace,
    trimOffsets: byteLevel && trimOffsets,
    addPrefixSpace,
    addedTokens: new Map(added.filter((t) => str(t.content)).map((t) => [str(t.content), { lstrip: t.lstrip === true, rstrip: t.rstrip === true }])),
  };
}

/** The normalized text as units (code points, or bytes for byte-level) with their original code-point span. */
interface Units {
  /** code point (or byte) values */
  values: number[];
  start: number[];
  end: number[];
}

const SPACE_RE = /^\p{White_Space}$/u;

/** Rust's char::is_whitespace (JavaScript's \s also counts U+FEFF and misses U+0085) */
function isSpace(cp: number): boolean {
  return cp === 0x20 || (cp < 0x80 ? cp >= 0x09 && cp <= 0x0d : SPACE_RE.test(String.fromCodePoint(cp)));
}

const PUNCT_RE = /^\p{P}$/u;
/** BertPreTokenizer's punctuation: ASCII symbols or Unicode P* */
function isPunct(cp: number): boolean {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || PUNCT_RE.test(String.fromCodePoint(cp));
}

/** Aligned normalized units as code points, or as UTF-8 bytes for byte-level models. */
function toUnits(aligned: Unit[], bytes: boolean): Units {
  const values: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const encoder = bytes ? new TextEncoder() : undefined;
  for (const a of aligned) {
    if (encoder) {
      for (const b of encoder.encode(a.ch)) {
        values.push(b);
        start.push(a.s);
        end.push(a.e);
      }
    } else {
      values.push(a.ch.codePointAt(0)!);
      start.push(a.s);
      end.push(a.e);
    }
  }
  return { values, start, end };
}

/** A token as the units it should cover; null = unknown surface (an unk token). SPACE = a space-marker slot. */
const SPACE = -1;

export class OffsetAligner {
  constructor(
    readonly spec: AlignerSpec,
    private readonly normalized: (text: string) => Unit[],
  ) {}

  /** `normalize` is the tokenizer's own normalizer, used per character for normalizer types we do not model. */
  static fromTokenizerJson(tokenizerJson: Record<string, unknown>, normalize: (s: string) => string): OffsetAligner {
    return new OffsetAligner(alignerSpec(tokenizerJson), alignedNormalizer(tokenizerJson.normalizer, normalize));
  }

  private surface(token: string): number[] | null {
    const sp = this.spec;
    if (token === sp.unkToken) return null;
    if (sp.byteLevel) {
      const out: number[] = [];
      for (const c of token) {
        const b = UNICODE_TO_BYTES.get(c);
        if (b === undefined) return Array.from(new TextEncoder().encode(token)); // not a byte-level symbol
        out.push(b === 0x20 ? SPACE : b);
      }
      return out;
    }
    let t = token;
    if (sp.continuingPrefix && t.length > sp.continuingPrefix.length && t.startsWith(sp.continuingPrefix)) t = t.slice(sp.continuingPrefix.length);
    if (sp.endOfWordSuffix && t.endsWith(sp.endOfWordSuffix) && t.length > sp.endOfWordSuffix.length) t = t.slice(0, -sp.endOfWordSuffix.length);
    return Array.from(t, (c) => (c === sp.metaspace ? SPACE : c.codePointAt(0)!));
  }

  /** Offsets of each content token (code points of `text`, end exclusive). */
  offsets(text: string, tokens: readonly string[]): Offset[] {
    const sp = this.spec;
    const u = toUnits(this.normalized(text), sp.byteLevel);
    const n = u.values.length;
    const surfaces = tokens.map((t) => this.surface(t));
    const out: Offset[] = [];
    let pos = 0;
    let lastEnd = 0;
    const skipSpace = (p: number) => {
      if (sp.dropsWhitespace) while (p < n && isSpace(u.values[p])) p++;
      return p;
    };
    /** matches a surface at p: the end position and the span covered, or null */
    const matchAt = (s: number[], p: number): { to: number; from: number; s: number; e: number } | null => {
      let q = p;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of s) {
        if (v === SPACE) {
          if (q < n && u.values[q] === 0x20) {
            lo = Math.min(lo, u.start[q]);
            hi = Math.max(hi, u.end[q]);
            q++;
          } else if (q < n) {
            // a prepended space (Metaspace, add_prefix_space) is aligned to the character after it
            lo = Math.min(lo, u.start[q]);
            hi = Math.max(hi, u.end[q]);
          }
          continue;
        }
        if (q >= n || u.values[q] !== v) return null;
        lo = Math.min(lo, u.start[q]);
        hi = Math.max(hi, u.end[q]);
        q++;
      }
      return { from: p, to: q, s: lo, e: hi };
    };
    const cps = sp.addedTokens.size > 0 ? Array.from(text) : [];
    for (let i = 0; i < tokens.length; i++) {
      const s = surfaces[i];
      const p = skipSpace(pos);
      if (s !== null && sp.addedTokens.has(tokens[i])) {
        // added tokens are cut out of the original text before normalization: find them there
        const from = p < n ? u.start[p] : cps.length;
        const at = indexOfCps(cps, Array.from(tokens[i]), from);
        if (at < 0) {
          out.push([lastEnd, lastEnd]);
          continue;
        }
        let end = at + Array.from(tokens[i]).length;
        let begin = at;
        const strip = sp.addedTokens.get(tokens[i])!;
        if (strip.lstrip) while (begin > lastEnd && isSpace(cps[begin - 1].codePointAt(0)!)) begin--;
        if (strip.rstrip) while (end < cps.length && isSpace(cps[end].codePointAt(0)!)) end++;
        out.push([begin, end]);
        lastEnd = end;
        pos = p;
        while (pos < n && u.start[pos] < end) pos++;
        continue;
      }
      if (s === null) {
        // unknown token: from here up to where the next known token matches, or the end of the word
        const next = surfaces.slice(i + 1).find((x) => x !== null) ?? null;
        let q = p + 1;
        if (sp.modelType === "WordPiece") {
          // WordPiece gives [UNK] for a whole pre-token word: up to a space or a punctuation mark
          if (!isPunct(u.values[p])) while (q < n && !isSpace(u.values[q]) && !isPunct(u.values[q])) q++;
        } else while (q < n && !(sp.dropsWhitespace && isSpace(u.values[q])) && !(next && next.length > 0 && matchAt(next, q))) q++;
        if (p < n) {
          out.push([u.start[p], u.end[Math.min(q, n) - 1]]);
          lastEnd = u.end[Math.min(q, n) - 1];
        } else out.push([lastEnd, lastEnd]);
        pos = Math.min(q, n);
        continue;
      }
      let m = matchAt(s, p);
      // the JS normalizer and Rust's can disagree on rare characters: resynchronise a little further on
      for (let ahead = p + 1; !m && ahead < Math.min(n, p + 64); ahead++) m = matchAt(s, ahead);
      if (!m || m.s === Infinity) {
        out.push([lastEnd, lastEnd]);
        if (m) pos = m.to;
        continue;
      }
      let off: Offset = [m.s, m.e];
      if (sp.trimOffsets) off = trimByteLevel(tokens[i], off, out.length === 0 || off[0] === 0, sp.addPrefixSpace);
      out.push(off);
      lastEnd = m.e;
      pos = m.to;
    }
    return out;
  }
}

function indexOfCps(hay: string[], needle: string[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** RobertaProcessing / ByteLevel post-processor trim_offsets (tokenizers' process_offsets), on a token's "Ġ"s. */
function trimByteLevel(token: string, off: Offset, isFirst: boolean, addPrefixSpace: boolean): Offset {
  const isWs = (c: string) => c === "\u0120" || /\s/u.test(c);
  const chars = Array.from(token);
  let leading = 0;
  while (leading < chars.length && isWs(chars[leading])) leading++;
  let trailing = 0;
  while (trailing < chars.length && isWs(chars[chars.length - 1 - trailing])) trailing++;
  let [s, e] = off;
  if (leading > 0) {
    if (isFirst && addPrefixSpace && leading === 1) leading = 0;
    s = Math.min(s + leading, e);
  }
  if (trailing > 0 && e >= trailing) e = Math.max(e - trailing, s);
  return [s, e];
}

/** Code-point offsets → UTF-16 (JavaScript string) offsets for the same text. */
export function toUtf16(text: string, offsets: readonly Offset[]): Offset[] {
  if (!/[\uD800-\uDBFF]/.test(text)) return offsets.map(([s, e]) => [s, e]);
  const table: number[] = [0];
  let u = 0;
  for (const ch of text) table.push((u += ch.length));
  return offsets.map(([s, e]) => [table[s] ?? u, table[e] ?? u]);
}

