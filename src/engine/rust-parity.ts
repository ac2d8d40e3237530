/**
 * Where @huggingface/tokenizers (the JS port we run) tokenizes differently from
 * the Rust tokenizers that transformers runs, the Rust behaviour, patched onto
 * the port's instances. Each was found by test/tokenizer-oracle.test.mjs, which
 * checks our ids against the Rust tokenizers on a corpus; no library ships
 * these fixes, hence hand-written.
 */
import { graphemeSegmenter } from "./graphemes.js";
import * as tokenizersJs from "@huggingface/tokenizers";

// Exported at run time, but the package's index.d.ts re-exports them with
// extensionless paths that NodeNext resolution cannot follow.
type AnyClass = abstract new (...args: never[]) => unknown;
const {
  BertNormalizer,
  ByteLevelPreTokenizer,
  LowercaseNormalizer,
  PrecompiledNormalizer,
  RobertaProcessingPostProcessor,
  SequenceNormalizer,
  SequencePostProcessor,
  StripNormalizer,
  SequencePreTokenizer,
  WhitespaceSplitPreTokenizer,
} = tokenizersJs as unknown as Record<
  | "BertNormalizer"
  | "ByteLevelPreTokenizer"
  | "LowercaseNormalizer"
  | "PrecompiledNormalizer"
  | "RobertaProcessingPostProcessor"
  | "SequenceNormalizer"
  | "SequencePostProcessor"
  | "StripNormalizer"
  | "SequencePreTokenizer"
  | "WhitespaceSplitPreTokenizer",
  AnyClass
>;

/** The parts of the port's Tokenizer that matchRustTokenizers patches. */
export interface PortInternals {
  encode_text(text: string | null): string[] | null;
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor?: unknown;
  remove_space?: boolean;
}

interface PortNode {
  config: Record<string, unknown>;
  normalize(text: string): string;
  pre_tokenize_text(text: string): string[];
  normalizers?: unknown[];
  tokenizers?: unknown[];
}

/** Rust's char::is_whitespace; JS \s and trim() add U+FEFF and miss U+0085. */
const WHITE_SPACE_RUN = /\p{White_Space}+/u;
const LEADING_WHITE_SPACE = /^\p{White_Space}+/u;
const TRAILING_WHITE_SPACE = /\p{White_Space}+$/u;
const LONE_SURROGATE = /[\ud800-\udfff]/gu;
/**
 * Rust lowercases per character (char::to_lowercase): Σ is always σ. JavaScript's toLowerCase,
 * which the port calls, makes a word-final Σ ς; Σ is the only letter with such a context rule in
 * the root locale, so mapping it before the port's toLowerCase gives Rust's result.
 */
/** GPT-2's split pattern (ByteLevel) with \s as Rust's regex reads it, Unicode White_Space (JS \s adds U+FEFF, misses U+0085). */
const BYTE_LEVEL_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
const CAPITAL_SIGMA = /\u03a3/g;
const lowercaseLikeRust = (normalize: (text: string) => string) => (text: string) => normalize(text.replace(CAPITAL_SIGMA, "\u03c3"));

export function matchRustTokenizers(tk: PortInternals): void {
  // Strings reach Rust as UTF-8, where a lone surrogate (possible in a JS string, e.g.
  // from JSON "\ud83d") has become U+FFFD; the port would see the surrogate itself.
  const encodeText = tk.encode_text.bind(tk);
  tk.encode_text = (text) => encodeText(text === null ? null : text.replace(LONE_SURROGATE, "\ufffd"));
  // remove_space is the slow (sentencepiece) tokenizer's option; the port applies it
  // from tokenizer_config.json, Rust does not (XLNet: "a\vb" would lose its \v as a space).
  tk.remove_space = false;
  patchNormalizers(tk.normalizer);
  patchPreTokenizers(tk.pre_tokenizer);
  patchPostProcessors(tk.post_processor);
}

type PostProcess = (a: string[], b: string[] | null, addSpecial?: boolean) => { tokens: string[]; token_type_ids?: number[] };

/** Rust's RobertaProcessing gives every token of a pair type id 0; the port gives the second text 1s. */
function patchPostProcessors(p: unknown): void {
  const node = p as { processors?: unknown[]; post_process: PostProcess } | null;
  if (!node) return;
  if (node instanceof SequencePostProcessor) {
    for (const child of node.processors ?? []) patchPostProcessors(child);
  } else if (node instanceof RobertaProcessingPostProcessor) {
    const postProcess = node.post_process.bind(node);
    node.post_process = (a, b, addSpecial) => {
      const out = postProcess(a, b, addSpecial);
      return out.token_type_ids ? { ...out, token_type_ids: out.token_type_ids.map(() => 0) } : out;
    };
  }
}

function patchNormalizers(n: unknown): void {
  const node = n as PortNode | null;
  if (!node) return;
  if (node instanceof SequenceNormalizer) {
    for (const child of node.normalizers ?? []) patchNormalizers(child);
  } else if (node instanceof PrecompiledNormalizer && typeof node.config.precompiled_charsmap === "string") {
    const charsmap = new Charsmap(node.config.precompiled_charsmap);
    node.normalize = (text) => charsmap.normalize(text);
  } else if (node instanceof LowercaseNormalizer || (node instanceof BertNormalizer && node.config.lowercase === true)) {
    node.normalize = lowercaseLikeRust(node.normalize.bind(node));
  } else if (node instanceof StripNormalizer) {
    const left = node.config.strip_left === true;
    const right = node.config.strip_right === true;
    node.normalize = (text) => {
      if (left) text = text.replace(LEADING_WHITE_SPACE, "");
      if (right) text = text.replace(TRAILING_WHITE_SPACE, "");
      return text;
    };
  }
}

function patchPreTokenizers(p: unknown): void {
  const node = p as PortNode | null;
  if (!node) return;
  if (node instanceof SequencePreTokenizer) {
    for (const child of node.tokenizers ?? []) patchPreTokenizers(child);
  } else if (node instanceof WhitespaceSplitPreTokenizer) {
    node.pre_tokenize_text = (text) => text.split(WHITE_SPACE_RUN).filter((w) => w !== "");
  } else if (node instanceof ByteLevelPreTokenizer) {
    (node as unknown as { pattern: RegExp }).pattern = BYTE_LEVEL_SPLIT;
  }
}

/**
 * A char that may share a grapheme cluster of under 6 UTF-8 bytes with its
 * neighbour (UAX #29): anything but ASCII and BMP letters, digits, punctuation,
 * symbols and spaces (so CR, controls, format chars, marks, Prepend), extenders
 * that are letters (U+FF9E), SpacingMark letters, emoji modifiers, and non-BMP
 * chars other than emoji. Hangul jamo do join, but always into 6 bytes or more.
 */
const MAY_JOIN = /[^\t\n\x20-\x7e\p{L}\p{N}\p{P}\p{S}\p{Zs}]|[\p{Grapheme_Extend}\p{Emoji_Modifier}\u0d4e\u0e33\u0eb3]|(?!\p{Extended_Pictographic})[\u{10000}-\u{10ffff}]/u;

/**
 * SentencePiece's precompiled_charsmap as the Rust `spm_precompiled` crate
 * applies it. The JS port ignores the charsmap and approximates it with NFKC
 * plus a fixed list of characters turned into spaces, which includes U+200D
 * ZERO WIDTH JOINER: emoji ZWJ sequences came out split into separate emoji.
 * The charsmap keeps U+200D, and the Rust code works per grapheme cluster: a
 * cluster shorter than 6 UTF-8 bytes is replaced whole by the entry of its
 * shortest prefix in the trie; otherwise each char is looked up on its own.
 *
 * Format: u32 LE trie size in bytes, the darts-clone double-array trie (u32 LE
 * units) over UTF-8 bytes, then NUL-terminated replacement strings that the
 * trie's values point into.
 */
export class Charsmap {
  private readonly trie: Uint32Array;
  private readonly strings: Uint8Array;
  private readonly replacements = new Map<number, string>();
  private readonly decoder = new TextDecoder();

  constructor(base64: string) {
    const blob = Buffer.from(base64, "base64");
    const trieSize = blob.readUInt32LE(0);
    this.trie = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = blob.readUInt32LE(4 + 4 * i);
    this.strings = blob.subarray(4 + trieSize);
  }

  normalize(text: string): string {
    let out = "";
    if (!MAY_JOIN.test(text)) {
      // every grapheme that could be under 6 bytes is a single char: per-char is exact, and
      // far faster than Intl.Segmenter (about 1 µs a grapheme)
      for (const ch of text) out += this.transform(ch) ?? ch;
      return out;
    }
    for (const { segment } of graphemeSegmenter().segment(text)) {
      if (segment.length > 1 && utf8Length(segment) < 6) {
        const whole = this.transform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const ch of segment) out += this.transform(ch) ?? ch;
    }
    return out;
  }

  /** The replacement of the shortest trie key that prefixes `chunk` (darts-clone common prefix search, first hit). */
  transform(chunk: string): string | undefined {
    const trie = this.trie;
    let pos = offset(trie[0]);
    for (const ch of chunk) {
      const cp = ch.codePointAt(0)!;
      const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (let k = 0; k < n; k++) {
        const byte = utf8Byte(cp, n, k);
        if (byte === 0) return undefined; // the Rust search stops at a NUL byte
        pos ^= byte;
        const unit = trie[pos];
        if ((unit & 0x800000ff) >>> 0 !== byte) return undefined;
        pos ^= offset(unit);
        if ((unit >>> 8) & 1) return this.replacement(trie[pos] & 0x7fffffff);
      }
    }
    return undefined;
  }

  private replacement(index: number): string {
    let s = this.replacements.get(index);
    if (s === undefined) {
      const end = this.strings.indexOf(0, index);
      s = this.decoder.decode(this.strings.subarray(index, end < 0 ? undefined : end));
      this.replacements.set(index, s);
    }
    return s;
  }
}

function offset(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Byte k of the n-byte UTF-8 encoding of code point cp. */
function utf8Byte(cp: number, n: number, k: number): number {
  if (n === 1) return cp;
  const shift = 6 * (n - 1 - k);
  return k === 0 ? ((0xf00 >> n) & 0xff) | (cp >> shift) : 0x80 | ((cp >> shift) & 63);
}
