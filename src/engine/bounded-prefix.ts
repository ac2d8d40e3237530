/**
 * When tokenizing a prefix of a text gives exactly the text's first tokens, so
 * that truncation (keep the first K) never needs the whole text: a 47 MB line
 * is cut to a prefix of a few KB before the tokenizer sees it.
 *
 * The cut: right after an ASCII letter or digit that is followed by an ASCII
 * space, T = A + " " + … . Why the first tokens of A are the first tokens of T,
 * stage by stage of @huggingface/tokenizers' encode_text (which we run):
 *
 * - added-token split: no added token contains a space, so no match crosses
 *   the cut; an rstrip token at A's end only trims the part after the cut.
 * - normalizers (checked by `normalizerSafe`): each maps T to N(A) + Y with Y
 *   starting with whitespace and N(A) ending in the (lowercased) letter/digit.
 *   Per-character maps (BertNormalizer, Lowercase, StripAccents, the charsmap's
 *   character classes) trivially; NFC/NFD/NFKC/NFKD because a space is inert
 *   (class 0, never composes), so normalization splits there (lowercasing is
 *   per character, as in Rust: rust-parity.ts); Strip only touches the ends;
 *   Replace only with patterns that cannot match across a letter|space pair.
 * - pre-tokenizer (checked by `preTokenizerSplits`): its first step splits at
 *   whitespace (BertPreTokenizer, WhitespaceSplit, Whitespace, ByteLevel's
 *   regex, where a letter/digit run ends at the space), so A's pieces are T's
 *   first pieces, unchanged; later steps work piece by piece.
 * - model: WordPiece, BPE and Unigram tokenize piece by piece. Unigram's unknown
 *   fusing may merge an [UNK] at A's end with the next piece's: same id.
 *
 * Then K ≤ tokens(A) gives tokens(T)[0:K] = tokens(A)[0:K]. Anything not on
 * these lists (a Metaspace-only pipeline, whose Unigram lattice spans the whole
 * text, a custom Split regex, an unknown normalizer) tokenizes the whole text.
 */

type Json = Record<string, unknown> | null | undefined;

/** Regex sources made only of whitespace atoms match only whitespace: never a letter|space pair. */
const WHITESPACE_ONLY_REGEX = /^(?:\\s|\\t|\\n|\\r|\\f|\\v| |\[(?:\\s|\\t|\\n|\\r|\\f|\\v| )+\]|\{\d*,?\d*\}|[+*?|()]|\?:)+$/;
const HAS_WHITESPACE = /\s/;

function normalizerSafe(n: Json): boolean {
  if (n === null || n === undefined) return true;
  switch (n.type) {
    case "BertNormalizer":
    case "Lowercase":
    case "StripAccents":
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
    case "Precompiled":
    case "Strip":
    case "Prepend":
      return true;
    case "Sequence":
      return Array.isArray(n.normalizers) && (n.normalizers as Json[]).every(normalizerSafe);
    case "Replace": {
      const pattern = n.pattern as { String?: string; Regex?: string } | undefined;
      const content = typeof n.content === "string" ? n.content : "";
      if (typeof pattern?.String === "string") {
        const p = pattern.String;
        // a literal without whitespace cannot include the space after the cut; its content must not turn
        // A's last letter/digit into whitespace
        return p.length > 0 && !HAS_WHITESPACE.test(p) && (!/[A-Za-z0-9]/.test(p) || !HAS_WHITESPACE.test(content));
      }
      // whitespace runs replaced by whitespace (DeBERTa's "\s{2,}|[\n\r\t]" → " "): Y still starts with whitespace
      return typeof pattern?.Regex === "string" && WHITESPACE_ONLY_REGEX.test(pattern.Regex) && /^\s/.test(content);
    }
    default:
      return false;
  }
}

/** Pre-tokenizers that split at every space, keeping a letter/digit run whole up to it. */
function splitsAtSpaces(p: Json): boolean {
  if (!p) return false;
  switch (p.type) {
    case "BertPreTokenizer":
    case "WhitespaceSplit":
    case "Whitespace":
      return true;
    case "ByteLevel":
      return p.use_regex !== false;
    default:
      return false;
  }
}

/** Pre-tokenizers that work on each piece alone (so they keep a split made before them). */
const PER_PIECE = new Set(["BertPreTokenizer", "WhitespaceSplit", "Whitespace", "ByteLevel", "Metaspace", "Punctuation", "Digits", "Split", "Replace"]);

function preTokenizerSplits(p: Json): boolean {
  if (!p) return false;
  if (p.type !== "Sequence") return splitsAtSpaces(p);
  const steps = (Array.isArray(p.pretokenizers) ? p.pretokenizers : []) as Json[];
  return steps.length > 0 && splitsAtSpaces(steps[0]) && steps.every((s) => !!s && PER_PIECE.has(String(s.type)));
}

/** Whether this tokenizer.json allows tokenizing a bounded prefix (see the proof above). */
export function prefixSafe(tokenizerJson: Record<string, unknown>): boolean {
  const model = tokenizerJson.model as Json;
  if (!model || !["WordPiece", "BPE", "Unigram"].includes(String(model.type))) return false;
  const added = (Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : []) as { content?: unknown }[];
  if (added.some((t) => typeof t.content !== "string" || t.content.includes(" "))) return false;
  // remove_space (trim, whitespace runs → one space) and do_lowercase_and_remove_accent (per character) keep the cut
  return normalizerSafe(tokenizerJson.normalizer as Json) && preTokenizerSplits(tokenizerJson.pre_tokenizer as Json);
}

const CUT = /[A-Za-z0-9] /g;

/** The first safe cut at or after `from` (the index of the space), or -1. */
export function safeCut(text: string, from: number): number {
  CUT.lastIndex = Math.max(0, from - 1);
  const m = CUT.exec(text);
  return m ? m.index + 1 : -1;
}
