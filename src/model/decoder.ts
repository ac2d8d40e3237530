/**
 * tokenizer.json decoders as the Rust tokenizers run them, for transformers' convert_tokens_to_string (the
 * `word` of an entity). Hand-written because @huggingface/tokenizers' decoders differ where the pipeline's
 * quirks live: Rust's byte-level decoder falls back to a token's own UTF-8 when a character is not a byte
 * symbol, and its Metaspace decoder drops every "▁" of the first token (words joined as "SãoPaulo").
 */
import { UNICODE_TO_BYTES } from "./byte-level.js";

type Json = Record<string, unknown>;
type Chain = (tokens: string[]) => string[];

const WORDPIECE_CLEANUP: [string, string][] = [
  [" .", "."],
  [" ?", "?"],
  [" !", "!"],
  [" ,", ","],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" do not", " don't"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

function chainFor(cfg: Json | null | undefined): Chain | null {
  if (!cfg) return null;
  switch (cfg.type) {
    case "WordPiece": {
      const prefix = typeof cfg.prefix === "string" ? cfg.prefix : "##";
      const cleanup = cfg.cleanup !== false;
      return (tokens) =>
        tokens.map((t, i) => {
          let s = t;
          if (i !== 0) s = prefix && s.startsWith(prefix) ? s.slice(prefix.length) : " " + s;
          if (cleanup) for (const [a, b] of WORDPIECE_CLEANUP) s = s.split(a).join(b);
          return s;
        });
    }
    case "ByteLevel":
      return (tokens) => {
        const bytes: number[] = [];
        for (const t of tokens) {
          const mine: number[] = [];
          let ok = true;
          for (const c of t) {
            const b = UNICODE_TO_BYTES.get(c);
            if (b === undefined) {
              ok = false;
              break;
            }
            mine.push(b);
          }
          bytes.push(...(ok ? mine : encoder.encode(t)));
        }
        return [utf8.decode(new Uint8Array(bytes))];
      };
    case "Metaspace": {
      const rep = typeof cfg.replacement === "string" ? cfg.replacement : "\u2581";
      const prepend = cfg.prepend_scheme !== "never" && cfg.add_prefix_space !== false;
      return (tokens) => tokens.map((t, i) => Array.from(t, (c) => (c === rep ? (i === 0 && prepend ? "" : " ") : c)).join(""));
    }
    case "BPEDecoder": {
      const suffix = typeof cfg.suffix === "string" ? cfg.suffix : "</w>";
      return (tokens) => tokens.map((t, i) => t.split(suffix).join(i === tokens.length - 1 ? "" : " "));
    }
    case "Replace": {
      const pat = (cfg.pattern ?? {}) as Json;
      const content = typeof cfg.content === "string" ? cfg.content : "";
      const re = typeof pat.Regex === "string" ? new RegExp(pat.Regex, "gu") : null;
      const str = typeof pat.String === "string" ? pat.String : null;
      return (tokens) => tokens.map((t) => (re ? t.replace(re, content) : str ? t.split(str).join(content) : t));
    }
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Strip": {
      const content = typeof cfg.content === "string" ? cfg.content : " ";
      const start = Number(cfg.start ?? 0);
      const stop = Number(cfg.stop ?? 0);
      return (tokens) =>
        tokens.map((t) => {
          const cs = Array.from(t);
          let a = 0;
          let b = cs.length;
          while (a < start && a < b && cs[a] === content) a++;
          while (cs.length - b < stop && b > a && cs[b - 1] === content) b--;
          return cs.slice(a, b).join("");
        });
    }
    case "ByteFallback":
      return (tokens) => {
        const out: string[] = [];
        let pending: number[] = [];
        const flush = () => {
          if (pending.length === 0) return;
          const s = new TextDecoder("utf-8", { fatal: true });
          try {
            out.push(s.decode(new Uint8Array(pending)));
          } catch {
            for (let i = 0; i < pending.length; i++) out.push("\uFFFD");
          }
          pending = [];
        };
        for (const t of tokens) {
          const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
          if (m) pending.push(parseInt(m[1], 16));
          else {
            flush();
            out.push(t);
          }
        }
        flush();
        return out;
      };
    case "Sequence": {
      const parts = (Array.isArray(cfg.decoders) ? (cfg.decoders as Json[]) : []).map(chainFor);
      return (tokens) => parts.reduce((acc, p) => (p ? p(acc) : acc), tokens);
    }
    default:
      return null;
  }
}

/** convert_tokens_to_string: the tokenizer's decoder over tokens, or the tokens joined by spaces without one. */
export function tokensToString(tokenizerJson: Record<string, unknown>): (tokens: string[]) => string {
  const chain = chainFor(tokenizerJson.decoder as Json | null);
  return chain ? (tokens) => chain(tokens).join("") : (tokens) => tokens.join(" ");
}
