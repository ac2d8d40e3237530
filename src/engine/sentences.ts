/**
 * Sentence splitting: Intl.Segmenter (ICU, Unicode UAX #29 sentence rules)
 * corrected by a few rules where UAX #29 is measurably wrong on real reviews
 * (see README, section long, and test/fixtures/sentences-gold.json):
 *   - it splits after abbreviations followed by a capital ("Dr. Smith", "z.B. Zum");
 *   - it never splits before a lowercase word ("fine. then", all-lowercase text);
 *   - it never splits when the space after the period is missing ("gekauft.Nach");
 *   - it leaves punctuation-only pieces ("! ! !", "😂。") and list numbers as sentences.
 * Offsets are JavaScript string indices (UTF-16 code units), end exclusive,
 * into the original text; sentences never include surrounding whitespace.
 */

export interface Sentence {
  /** first UTF-16 code unit of the sentence in the original text */
  begin: number;
  /** one past the last code unit (end exclusive) */
  end: number;
  text: string;
}

export type SplitterName = "rules" | "intl" | "regex";

export interface SplitOptions {
  /** "rules" (default): Intl.Segmenter with corrections; "intl": Intl.Segmenter alone; "regex": split after . ! ? 。！？ and a space */
  splitter?: SplitterName;
  /** BCP 47 locale for Intl.Segmenter (ICU's sentence rules barely depend on it) */
  locale?: string;
}

/**
 * Abbreviations that end with a period but almost never end a sentence (titles,
 * "for example", German/French shorthands), lowercase, without the final period.
 * "etc", "usw", "min" are left out on purpose: they end sentences often.
 */
const ABBREVIATIONS = new Set([
  // English
  "mr", "mrs", "ms", "dr", "prof", "sr", "st", "vs", "e.g", "i.e", "approx", "fig", "no", "nos", "vol", "cf", "inc", "ltd", "co", "jan", "feb",
  "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
  // German
  "z.b", "d.h", "bzw", "ca", "inkl", "evtl", "ggf", "u.a", "u.u", "v.a", "z.t", "nr", "str", "bzgl", "vgl", "sog", "geb", "hr", "fr",
  // French
  "m", "mme", "mlle", "mm", "p.ex", "env", "av", "bd",
  // Spanish
  "sra", "sr", "dra", "ud", "uds",
]);

/** German dates write ordinals with a period ("am 3. Mai"): a number before a month is no sentence end. */
const MONTHS = /^(jan(uar)?|feb(ruar)?|märz|maerz|april|mai|juni|juli|august|sept(ember)?|okt(ober)?|nov(ember)?|dez(ember)?|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)\b/i;

const SPACE = /\s/u;
/** words that go on a sentence after an ellipsis ("extravagance ... mais tous") */
const CONJUNCTIONS = new Set(["and", "but", "or", "so", "then", "mais", "et", "ou", "donc", "puis", "und", "aber", "oder", "doch", "y", "pero", "e", "ma"]);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** terminal punctuation of every script we meet in reviews */
const TERMINATOR = /[.!?。！？．｡‼⁇⁈⁉]/u;

let cachedSegmenter: { locale: string | undefined; seg: Intl.Segmenter } | undefined;
function segmenter(locale: string | undefined): Intl.Segmenter {
  if (!cachedSegmenter || cachedSegmenter.locale !== locale) {
    cachedSegmenter = { locale, seg: new Intl.Segmenter(locale, { granularity: "sentence" }) };
  }
  return cachedSegmenter.seg;
}

/** Trims a [begin, end) span to its non-whitespace content; null when nothing is left. */
function trimSpan(text: string, begin: number, end: number): Sentence | null {
  while (begin < end && SPACE.test(text[begin])) begin++;
  while (end > begin && SPACE.test(text[end - 1])) end--;
  return end > begin ? { begin, end, text: text.slice(begin, end) } : null;
}

/** The trimmed, non-empty pieces of [begin, end) between ascending cuts. */
function spans(text: string, cuts: number[], begin = 0, end = text.length): Sentence[] {
  const out: Sentence[] = [];
  const all = [begin, ...cuts.filter((c) => c > begin && c < end), end];
  for (let i = 0; i + 1 < all.length; i++) {
    const s = trimSpan(text, all[i], all[i + 1]);
    if (s) out.push(s);
  }
  return out;
}

/** Splits text into sentences. Empty or whitespace-only text gives no sentences. */
export function splitSentences(text: string, opts: SplitOptions = {}): Sentence[] {
  const splitter = opts.splitter ?? "rules";
  if (splitter === "regex") return regexSplit(text);
  const cuts: number[] = [];
  for (const s of segmenter(opts.locale).segment(text)) if (s.index > 0) cuts.push(s.index);
  if (splitter === "intl") return spans(text, cuts);
  return correct(text, spans(text, cuts));
}

/** The naive baseline: a break after terminal punctuation followed by whitespace, or after a CJK stop. */
function regexSplit(text: string): Sentence[] {
  const cuts: number[] = [];
  const re = /[.!?]+["'”’)\]]*\s+|[。！？]+[」』”’）]*/gu;
  for (let m = re.exec(text); m; m = re.exec(text)) cuts.push(m.index + m[0].length);
  return spans(text, cuts);
}

/** The word (run of non-space characters) ending at `end`, lowercase, without trailing periods and leading brackets. */
function wordBefore(text: string, end: number): string {
  let start = end;
  while (start > 0 && !SPACE.test(text[start - 1])) start--;
  return text
    .slice(start, end)
    .replace(/^[("'“‘«\[]+/u, "")
    .replace(/\.+$/u, "")
    .toLowerCase();
}

/** Whether a sentence ending with a period at `dot` (index of the final '.') ends on an abbreviation or an initial. */
function endsWithAbbreviation(text: string, dot: number, next: string): boolean {
  if (text[dot] !== "." || (dot > 0 && text[dot - 1] === ".")) return false; // an ellipsis is not an abbreviation
  const word = wordBefore(text, dot + 1);
  if (ABBREVIATIONS.has(word)) {
    // "No. 5" but "I said no." — these two need a number after them
    if (word === "no" || word === "nos" || word === "nr") return /^\p{N}/u.test(next);
    return true;
  }
  // single-letter initials before a name: "J. Smith", "M. Dupont"
  if (/^\p{Lu}$/u.test(text[dot - 1] ?? "") && word.length === 1 && /^\p{Lu}/u.test(next)) return true;
  // German ordinal date: "am 3. Mai"
  if (/^\d{1,2}$/.test(word) && MONTHS.test(next)) return true;
  return false;
}

/** Index of the last terminal punctuation mark of a sentence, skipping closing quotes and brackets. */
function lastTerminator(s: Sentence, text: string): number {
  let i = s.end - 1;
  while (i >= s.begin && /["'”’»)\]」』）]/u.test(text[i])) i--;
  return i >= s.begin && TERMINATOR.test(text[i]) ? i : -1;
}

function merge(a: Sentence, b: Sentence, text: string): Sentence {
  return { begin: a.begin, end: b.end, text: text.slice(a.begin, b.end) };
}

function correct(text: string, segs: Sentence[]): Sentence[] {
  // 1. extra breaks UAX #29 does not make, inside each segment
  const split: Sentence[] = [];
  const caseless = !/\p{Lu}/u.test(text) && /\p{Ll}/u.test(text);
  for (const s of segs) split.push(...splitInside(text, s, caseless));

  // 2. merges: abbreviations, punctuation-only pieces, bare list numbers
  const out: Sentence[] = [];
  for (let i = 0; i < split.length; i++) {
    const cur = split[i];
    const prev = out[out.length - 1];
    if (prev && !LETTER_OR_DIGIT.test(cur.text)) {
      // "! ! !", "😂。": punctuation that trails the previous sentence
      out[out.length - 1] = merge(prev, cur, text);
      continue;
    }
    if (prev) {
      const t = lastTerminator(prev, text);
      if (t >= 0 && t === prev.end - 1 && endsWithAbbreviation(text, t, cur.text)) {
        out[out.length - 1] = merge(prev, cur, text);
        continue;
      }
    }
    // a bare list number ("1.") or stray punctuation at the start belongs to what follows
    if (i + 1 < split.length && (/^\p{N}{1,2}[.)]$/u.test(cur.text) || !LETTER_OR_DIGIT.test(cur.text))) {
      split[i + 1] = merge(cur, split[i + 1], text);
      continue;
    }
    // a list number at the end of a sentence starts the next one: "… first point. 2. Second point"
    const m = /\s(\p{N}{1,2}\.)$/u.exec(cur.text);
    if (m && i + 1 < split.length && !MONTHS.test(split[i + 1].text) && /^[\p{Lu}\p{Lo}]/u.test(split[i + 1].text)) {
      const cut = cur.end - m[1].length;
      const head = trimSpan(text, cur.begin, cut);
      if (head) {
        out.push(head);
        split[i + 1] = merge({ begin: cut, end: cut, text: "" }, split[i + 1], text);
        continue;
      }
    }
    out.push(cur);
  }
  return out;
}

/**
 * Breaks inside one ICU segment:
 *   - after . ! ? (not an abbreviation or initial) followed by whitespace and a
 *     lowercase letter: reviews often start sentences in lowercase; after an
 *     ellipsis only in all-lowercase text (where case carries no signal);
 *   - after a period with no space before a capitalised word ("gekauft.Nach"),
 *     when the word before is real word (≥ 2 letters) and the token is not a URL, a
 *     file name or an acronym;
 *   - after "…" followed by whitespace and a capital, as UAX #29 does for "...".
 */
function splitInside(text: string, s: Sentence, caseless: boolean): Sentence[] {
  const cuts: number[] = [];
  const seg = s.text;
  // terminator run, closing quotes, whitespace, then a lowercase letter
  const lower = /([.!?]+)["'”’»)\]]*(\s+)(?=[\p{Ll}])/gu;
  for (let m = lower.exec(seg); m; m = lower.exec(seg)) {
    const run = m[1];
    const lastIdx = s.begin + m.index + run.length - 1;
    if (run.includes(".") && run.length >= 2 && !/[!?]/.test(run)) {
      // "..." then lowercase: in cased text the sentence goes on; in all-lowercase
      // text case says nothing, so a spaced " ... " ends it unless a conjunction follows
      const spaced = SPACE.test(text[s.begin + m.index - 1] ?? "");
      const nextWord = /^\p{L}+/u.exec(seg.slice(m.index + m[0].length))?.[0] ?? "";
      if (!(caseless && spaced && !CONJUNCTIONS.has(nextWord))) continue;
    }
    if (run === ".") {
      const word = wordBefore(text, lastIdx + 1);
      // a period after a space ("britannique . elles") is punctuation of tokenised text, never an abbreviation
      if (word !== "" && word.length <= 1 || /\./.test(word) || ABBREVIATIONS.has(word) || /^\p{N}+$/u.test(word) || word === "etc") continue;
    }
    cuts.push(s.begin + m.index + m[0].length);
  }
  // missing space: "gekauft.Nach einem Jahr", "überrascht.klein fein"
  const glued = /(\p{L}{2,})([.!?]+)(?=(\p{Lu}\p{Ll}|\p{L}{3,}))/gu;
  for (let m = glued.exec(seg); m; m = glued.exec(seg)) {
    const at = m.index + m[0].length;
    let a = m.index;
    while (a > 0 && !SPACE.test(seg[a - 1])) a--;
    let b = at;
    while (b < seg.length && !SPACE.test(seg[b])) b++;
    const token = seg.slice(a, b);
    // URLs, e-mail, file names, domains and dotted acronyms stay whole
    if (/[/@:\\_]|www|\.(com|net|org|de|fr|es|it|uk|jp|cn|html?|js|pdf|jpe?g|png|txt|exe|zip)\b/u.test(token)) continue;
    if (/^\p{Lu}/u.test(m[3]) || (m[2] === "." && /^\p{Ll}/u.test(m[3]) && /^\p{L}{3,}$/u.test(m[1]))) cuts.push(s.begin + at);
  }
  // "…" then a capital
  const ellipsis = /…["'”’»)\]]*(\s+)(?=\p{Lu})/gu;
  for (let m = ellipsis.exec(seg); m; m = ellipsis.exec(seg)) cuts.push(s.begin + m.index + m[0].length);
  if (cuts.length === 0) return [s];
  return spans(text, cuts.sort((x, y) => x - y), s.begin, s.end);
}
