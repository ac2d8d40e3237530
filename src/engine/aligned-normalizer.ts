/**
 * tokenizer.json normalizers applied with an alignment kept from every normalized character to the
 * original characters (what the Rust NormalizedString tracks and @huggingface/tokenizers drops). Steps
 * that act on single characters run per character (per grapheme cluster where characters compose, the
 * output then aligned position by position, as Rust's transform does); Strip, Replace and Prepend run on
 * the whole string. The character rules mirror @huggingface/tokenizers, whose tokens we align.
 */

export interface Unit {
  /** one code point of the normalized text */
  ch: string;
  /** original code-point span */
  s: number;
  e: number;
}

import { graphemeSegmenter } from "./graphemes.js";
import { Charsmap } from "./rust-parity.js";

type Json = Record<string, unknown>;
type Step = (units: Unit[]) => Unit[];


/** Per code point: each output character keeps its input character's span. */
function perChar(f: (ch: string) => string): Step {
  const cache = new Map<string, string>();
  return (units) => {
    const out: Unit[] = [];
    for (const u of units) {
      let r = cache.get(u.ch);
      if (r === undefined) {
        r = f(u.ch);
        if (cache.size < 20_000) cache.set(u.ch, r);
      }
      for (const ch of r) out.push({ ch, s: u.s, e: u.e });
    }
    return out;
  };
}

/** Per grapheme cluster, for normalizations that compose characters (NFC, NFKC). */
function perCluster(f: (s: string) => string): Step {
  const single = perChar(f);
  return (units) => {
    const text = units.map((u) => u.ch).join("");
    if (/^[\t\n\x20-\x7e]*$/.test(text)) return single(units); // every cluster is one character
    const out: Unit[] = [];
    let i = 0;
    for (const { segment } of graphemeSegmenter().segment(text)) {
      const n = Array.from(segment).length;
      const group = units.slice(i, i + n);
      i += n;
      const each = single(group);
      const whole = f(segment);
      if (each.map((u) => u.ch).join("") === whole) out.push(...each);
      else {
        // composed: a character that is still there keeps its span, a new one takes the next input character's
        let ptr = 0;
        for (const ch of whole) {
          let j = ptr;
          while (j < n && group[j].ch !== ch) j++;
          const src = group[j < n ? j : Math.min(ptr, n - 1)];
          ptr = (j < n ? j : ptr) + 1;
          out.push({ ch, s: src.s, e: src.e });
        }
      }
    }
    return out;
  };
}

/** Whole-string replacement: the k-th new character takes the k-th replaced character's span. */
function replaceStep(pattern: RegExp, content: string): Step {
  return (units) => {
    const text = units.map((u) => u.ch).join("");
    const at: number[] = []; // UTF-16 index → unit index
    units.forEach((u, k) => {
      for (let j = 0; j < u.ch.length; j++) at.push(k);
    });
    at.push(units.length);
    const out: Unit[] = [];
    let last = 0;
    for (const m of text.matchAll(pattern)) {
      if (m[0].length === 0) continue;
      const a = at[m.index!];
      const b = at[m.index! + m[0].length];
      out.push(...units.slice(last, a));
      // as Rust's transform_range: the replaced characters that have no counterpart are the first ones
      const newChars = Array.from(content);
      const skip = Math.max(0, b - a - newChars.length);
      newChars.forEach((ch, k) => {
        const src = units[Math.min(a + skip + k, b - 1)];
        out.push({ ch, s: src.s, e: src.e });
      });
      last = b;
    }
    out.push(...units.slice(last));
    return out;
  };
}

/** Rust's char::is_whitespace */
const isWs = (ch: string) => /^\p{White_Space}$/u.test(ch);

/** Per character, as Rust's char::to_lowercase: a word-final Σ is σ, not ς (rust-parity.ts). */
const lowercase: Step = perChar((ch) => ch.toLowerCase());
const CONTROL = /^(?:\p{Cc}|\p{Cf}|\p{Co}|\p{Cs})$/u;
const isChinese = (cp: number) =>
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) ||
  (cp >= 0x2b740 && cp <= 0x2b81f) ||
  (cp >= 0x2b820 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0x2f800 && cp <= 0x2fa1f);
const stripAccents = (s: string) => s.normalize("NFD").replace(/\p{Mn}/gu, "");

function stepFor(cfg: Json): Step | null {
  switch (cfg.type) {
    case "Sequence": {
      const steps = (Array.isArray(cfg.normalizers) ? (cfg.normalizers as Json[]) : []).map(stepFor);
      if (steps.some((s) => s === null)) return null;
      return (units) => steps.reduce((u, s) => s!(u), units);
    }
    case "BertNormalizer": {
      const steps: Step[] = [];
      if (cfg.clean_text !== false) {
        steps.push(perChar((ch) => (ch === "\u0000" || ch === "\uFFFD" || (!"\t\n\r".includes(ch) && CONTROL.test(ch)) ? "" : isWs(ch) ? " " : ch)));
      }
      if (cfg.handle_chinese_chars !== false) steps.push(perChar((ch) => (isChinese(ch.charCodeAt(0)) ? ` ${ch} ` : ch)));
      if (cfg.lowercase !== false) {
        steps.push(lowercase);
        if (cfg.strip_accents !== false) steps.push(perChar(stripAccents));
      } else if (cfg.strip_accents) steps.push(perChar(stripAccents));
      return (units) => steps.reduce((u, s) => s(u), units);
    }
    case "Precompiled": {
      // the Rust charsmap (rust-parity.ts), per grapheme cluster as spm_precompiled applies it
      if (typeof cfg.precompiled_charsmap !== "string") return (u) => u;
      const charsmap = new Charsmap(cfg.precompiled_charsmap);
      return perCluster((s) => charsmap.normalize(s));
    }
    case "NFC":
    case "NFKC":
    case "NFD":
    case "NFKD": {
      const form = cfg.type;
      return perCluster((s) => s.normalize(form));
    }
    case "Lowercase":
      return lowercase;
    case "StripAccents":
      // every combining mark, spacing ones (Mc: Devanagari, Tamil vowel signs) included, as Rust and the port drop them
      return perChar((ch) => ch.replace(/\p{M}/gu, ""));
    case "Strip": {
      const left = cfg.strip_left === true;
      const right = cfg.strip_right === true;
      return (units) => {
        let a = 0;
        let b = units.length;
        if (left) while (a < b && isWs(units[a].ch)) a++;
        if (right) while (b > a && isWs(units[b - 1].ch)) b--;
        return units.slice(a, b);
      };
    }
    case "Replace": {
      const pat = (cfg.pattern ?? {}) as Json;
      const content = typeof cfg.content === "string" ? cfg.content : "";
      if (typeof pat.Regex === "string") return replaceStep(new RegExp(pat.Regex, "gu"), content);
      if (typeof pat.String === "string") return replaceStep(new RegExp(pat.String.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gu"), content);
      return (u) => u;
    }
    case "Prepend": {
      const prefix = typeof cfg.prepend === "string" ? cfg.prepend : "";
      return (units) => (units.length === 0 ? units : [...Array.from(prefix, (ch) => ({ ch, s: units[0].s, e: units[0].e })), ...units]);
    }
    default:
      return null;
  }
}

/**
 * The normalized text of `text` as aligned units. Normalizers this module does not know fall back to
 * `normalize` (the tokenizer's own) per character, which is exact for character-local normalizations.
 */
export function alignedNormalizer(normalizerConfig: unknown, normalize: (s: string) => string): (text: string) => Unit[] {
  const step = normalizerConfig && typeof normalizerConfig === "object" ? stepFor(normalizerConfig as Json) : (u: Unit[]) => u;
  const run = step ?? perCluster(normalize);
  return (text) => {
    const units: Unit[] = [];
    let i = 0;
    for (const ch of text) {
      units.push({ ch, s: i, e: i + 1 });
      i++;
    }
    return run(units);
  };
}
