/**
 * Tokenization exactly as transformers' fast tokenizers do it for sequence
 * classification: content tokens first, truncation of the content so the
 * special tokens survive, then the post-processor's template.
 * @huggingface/tokenizers has no truncation of its own, so it lives here.
 */
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import type { ModelConfig, TokenizerConfig } from "../model/bundle.js";
import { windowRanges } from "./chunking.js";
import { effectiveMaxLength } from "./max-length.js";
import { prefixSafe, safeCut } from "./bounded-prefix.js";
import { matchRustTokenizers, type PortInternals } from "./rust-parity.js";
import { longestFirstLengths } from "./pair-truncation.js";

export interface Encoded {
  ids: number[];
  tokens: string[];
  /** segment ids from the post-processor template; zeros when the template has none */
  typeIds: number[];
  /** token count before truncation, special tokens included; with `prefixChars`, that of the prefix (the text has at least as many) */
  fullLength: number;
  /** set when only this many leading characters were tokenized (a long text in truncate mode, see bounded-prefix.ts) */
  prefixChars?: number;
}

/** First guess at the characters holding the tokens needed: generous for English (≈4.5 characters a token). */
const PREFIX_CHARS_PER_TOKEN = 16;
const MIN_PREFIX_CHARS = 256;

export type PaddingSide = "left" | "right";

/** Tokenizer classes whose Python defaults pad on the left (transformers' class attribute). */
const LEFT_PADDING_CLASSES = new Set(["XLNetTokenizer", "XLNetTokenizerFast"]);

/**
 * Tokenizer classes whose transformers implementation returns no token_type_ids
 * although their template assigns segment ids (XLNet's <cls> gets 2): the
 * pipeline then feeds zeros, and so must we to get its numbers.
 */
const NO_TYPE_ID_CLASSES = /^XLNetTokenizer/;

interface PostProcessorOut {
  tokens: string[];
  token_type_ids?: number[];
}
type PostProcessor = (a: string[], b: string[] | null, addSpecial: boolean) => PostProcessorOut;

interface TokenizerInternals extends PortInternals {
  post_processor: PostProcessor | null;
  added_tokens_map: Map<string, { id: number }>;
  model: { tokens_to_ids: Map<string, number>; unk_token_id?: number };
}

function tokenContent(t: unknown): string | undefined {
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { content?: unknown }).content === "string") return (t as { content: string }).content;
  return undefined;
}

export class TextTokenizer {
  readonly maxLength: number;
  readonly paddingSide: PaddingSide;
  readonly truncationSide: PaddingSide;
  readonly padId: number;
  /** whether transformers' tokenizer returns token_type_ids (else the model gets zeros) */
  readonly returnsTypeIds: boolean;
  private readonly tk: HfTokenizer;
  private readonly internals: TokenizerInternals;
  private readonly specialCount = new Map<string, number>();
  /** whether a long text may be tokenized by a bounded prefix (right truncation and a pipeline proven safe) */
  readonly boundedPrefix: boolean;

  constructor(
    tokenizerJson: Record<string, unknown>,
    tokenizerConfig: TokenizerConfig,
    modelConfig: ModelConfig = {},
    maxLength?: number,
  ) {
    this.tk = new HfTokenizer(tokenizerJson, tokenizerConfig);
    this.internals = this.tk as unknown as TokenizerInternals;
    matchRustTokenizers(this.internals);
    const padding = tokenizerJson.padding as { direction?: string; pad_id?: number } | null | undefined;
    this.maxLength = TextTokenizer.effectiveMaxLength(tokenizerConfig, modelConfig, maxLength);
    this.paddingSide =
      tokenizerConfig.padding_side ??
      (padding?.direction === "Left" ? "left" : undefined) ??
      (LEFT_PADDING_CLASSES.has(String(tokenizerConfig.tokenizer_class)) ? "left" : "right");
    this.truncationSide = tokenizerConfig.truncation_side ?? "right";
    this.boundedPrefix = this.truncationSide === "right" && prefixSafe(tokenizerJson);
    this.returnsTypeIds = Array.isArray(tokenizerConfig.model_input_names)
      ? (tokenizerConfig.model_input_names as unknown[]).includes("token_type_ids")
      : !NO_TYPE_ID_CLASSES.test(String(tokenizerConfig.tokenizer_class ?? ""));
    const padToken = tokenContent(tokenizerConfig.pad_token);
    this.padId =
      (padToken !== undefined ? this.tk.token_to_id(padToken) : undefined) ??
      padding?.pad_id ??
      (typeof modelConfig.pad_token_id === "number" ? modelConfig.pad_token_id : 0);
  }

  /** min(model_max_length, user limit); transformers truncates to model_max_length with truncation=True. */
  static effectiveMaxLength(tc: TokenizerConfig, mc: ModelConfig, userMax?: number): number {
    return effectiveMaxLength(tc, mc, userMax);
  }

  /** How many special tokens the template adds for a single text or a pair. */
  private specials(pair: boolean): number {
    const key = pair ? "pair" : "single";
    let n = this.specialCount.get(key);
    if (n === undefined) {
      const pp = this.internals.post_processor;
      n = pp ? pp([], pair ? [] : null, true).tokens.length : 0;
      this.specialCount.set(key, n);
    }
    return n;
  }

  private idOf(token: string): number {
    const it = this.internals;
    return it.added_tokens_map.get(token)?.id ?? it.model.tokens_to_ids.get(token) ?? it.model.unk_token_id ?? 0;
  }

  /**
   * Encodes one text (or a premise/hypothesis pair, truncating only the first,
   * as the zero-shot pipeline's "only_first") to at most maxLength tokens.
   */
  encode(text: string, pair?: string, maxLength = this.maxLength): Encoded {
    const second = pair !== undefined ? (this.internals.encode_text(pair) ?? []) : null;
    const specials = this.specials(second !== null);
    const room = maxLength - specials - (second?.length ?? 0);
    let { tokens: first, prefixChars } = this.leadingTokens(text, room);
    const fullLength = first.length + (second?.length ?? 0) + specials;
    const excess = fullLength - maxLength;
    // A premise that cannot absorb the cut makes Rust's only_first fail ("too short"),
    // and the zero-shot pipeline then encodes that pair untruncated.
    if (excess > 0 && (second === null || first.length > excess)) {
      const keep = Math.max(0, first.length - excess);
      first = this.truncationSide === "left" ? first.slice(first.length - keep) : first.slice(0, keep);
    }
    return { ...this.applyTemplate(first, second, fullLength), ...(prefixChars !== undefined ? { prefixChars } : {}) };
  }

  /**
   * The text's content tokens, or, for a long text, those of a prefix holding
   * more than `room` of them: its first `room` tokens are the text's (proof in
   * bounded-prefix.ts). The prefix grows ×4 while too short, so a text is
   * tokenized at most about 1.3 times over in the worst case.
   */
  private leadingTokens(text: string, room: number): { tokens: string[]; prefixChars?: number } {
    // room ≤ 0: the pair cannot be cut (see encode), so every token of the text is needed
    if (this.boundedPrefix && room > 0) {
      for (let want = Math.max(MIN_PREFIX_CHARS, room * PREFIX_CHARS_PER_TOKEN); want < text.length; want *= 4) {
        const cut = safeCut(text, want);
        if (cut < 0) break;
        const tokens = this.internals.encode_text(text.slice(0, cut)) ?? [];
        if (tokens.length > room) return { tokens, prefixChars: cut };
        want = cut;
      }
    }
    return { tokens: this.internals.encode_text(text) ?? [] };
  }

  /** A (query, document) pair as cross-encoders tokenize it: truncation="longest_first" (both texts may be cut). */
  encodePairLongestFirst(text: string, pair: string, maxLength = this.maxLength): Encoded {
    let first = this.internals.encode_text(text) ?? [];
    let second = this.internals.encode_text(pair) ?? [];
    const fullLength = first.length + second.length + this.specials(true);
    const [k1, k2] = longestFirstLengths(first.length, second.length, Math.max(0, maxLength - this.specials(true)));
    const cut = (t: string[], k: number) => (k >= t.length ? t : this.truncationSide === "left" ? t.slice(t.length - k) : t.slice(0, k));
    first = cut(first, k1);
    second = cut(second, k2);
    return this.applyTemplate(first, second, fullLength);
  }

  /** Content tokens that fit in one sequence of maxLength beside the special tokens. */
  contentBudget(maxLength = this.maxLength): number {
    return maxLength - this.specials(false);
  }

  /**
   * Encodes a text as overlapping windows of at most maxLength tokens, special
   * tokens on every window, consecutive windows sharing `stride` content tokens
   * (HF's return_overflowing_tokens with stride). A text that fits gives one
   * window, identical to encode(text).
   */
  encodeWindows(text: string, stride = 0, maxLength = this.maxLength): Encoded[] {
    const content = this.internals.encode_text(text) ?? [];
    const fullLength = content.length + this.specials(false);
    return windowRanges(content.length, this.contentBudget(maxLength), stride).map(([s, e]) =>
      this.applyTemplate(content.slice(s, e), null, fullLength),
    );
  }

  private applyTemplate(first: string[], second: string[] | null, fullLength: number): Encoded {
    const pp = this.internals.post_processor;
    const out: PostProcessorOut = pp ? pp(first, second, true) : { tokens: second ? [...first, ...second] : first };
    const tokens = out.tokens;
    const ids = tokens.map((t) => this.idOf(t));
    const typeIds = this.returnsTypeIds && out.token_type_ids ? out.token_type_ids : new Array<number>(tokens.length).fill(0);
    return { ids, tokens, typeIds, fullLength };
  }

  // --- token classification: whole-text content tokens, normalizer and template, for offsets and stride windows

  /** Content tokens of the whole text (no special tokens, no truncation). */
  contentTokens(text: string): string[] {
    return this.internals.encode_text(text) ?? [];
  }

  /** The tokenizer.json normalizer as the port runs it (Rust-patched; identity without one). */
  normalize(text: string): string {
    const n = this.internals.normalizer as ((t: string) => string) | null;
    return n ? n(text) : text;
  }

  /** How many special tokens the single-text template puts before and after the content. */
  specialsAround(): [number, number] {
    const marker = "\u0000nlp-content\u0000";
    const pp = this.internals.post_processor;
    const out = pp ? pp([marker], null, true).tokens : [marker];
    const at = out.indexOf(marker);
    return [at, out.length - at - 1];
  }

  /** A slice of content tokens with the template's special tokens around it. */
  withSpecials(content: string[], fullLength: number): Encoded {
    return this.applyTemplate(content, null, fullLength);
  }

  tokenToId(token: string): number | undefined {
    return this.tk.token_to_id(token);
  }
}
