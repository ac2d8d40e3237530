/**
 * What a run tells the user once, at its end, on stderr: how many texts were
 * cut at the model's token limit, and how many were echoed shortened. Counted
 * per input text as the records go by; nothing is printed per record.
 */
import type { LongMode } from "../tasks/classify/documents.js";

/** Texts longer than this are echoed shortened in the "text" field nlp adds (not in passed-through input fields). */
export const ECHO_TEXT_LIMIT = 100_000;

export class RunNotices {
  private texts = 0;
  private cut = 0;
  private shortened = 0;

  constructor(
    private readonly opts: {
      /** the token limit in force */
      maxLength: number;
      /** whether it is --max-length's, not the model's own */
      userLimit: boolean;
      long?: LongMode;
      /** --full-text: echo every text whole */
      fullText?: boolean;
    },
  ) {}

  /** One input text seen; `cut` when any part of it went to the model truncated. */
  text(cut: boolean): void {
    this.texts++;
    if (cut) this.cut++;
  }

  /** The text to echo: whole, or its first ECHO_TEXT_LIMIT characters and "…" (counted for the notice). */
  echo(text: string): string {
    if (this.opts.fullText || text.length <= ECHO_TEXT_LIMIT) return text;
    this.shortened++;
    return `${text.slice(0, ECHO_TEXT_LIMIT)}…`;
  }

  lines(): string[] {
    const out: string[] = [];
    const { maxLength, userLimit, long } = this.opts;
    if (this.cut > 0 && long !== "chunk") {
      const limit = userLimit ? `--max-length ${maxLength} tokens` : `the model's ${maxLength} tokens`;
      const one = this.cut === 1;
      out.push(
        long === "sentences"
          ? `${this.cut} of ${this.texts} texts had a sentence longer than ${limit}, cut there; see --long chunk`
          : `${this.cut} of ${this.texts} texts ${one ? "was" : "were"} longer than ${limit} and ${one ? "was" : "were"} cut; see --long chunk|sentences`,
      );
    }
    if (this.shortened > 0) {
      const n = this.shortened;
      out.push(
        `${n} text${n === 1 ? "" : "s"} longer than ${ECHO_TEXT_LIMIT.toLocaleString("en-US")} characters ${n === 1 ? "is" : "are"} shortened in the output's "text" field (ending in …); --full-text echoes texts whole`,
      );
    }
    return out;
  }
}
