/**
 * The one place a thrown error becomes what the user of the command line sees: the library's option
 * names (`maxLength`, marked in the message and listed in UsageError.options) as flags (--max-length), and
 * the exit code (exitCodeFor: 1 runtime failure, 2 usage, 130 interrupted).
 */
import { describeError, exitCodeFor, UsageError } from "../errors.js";

/** Library options whose flag is not simply the option in kebab case. */
const FLAG_NAMES: Record<string, string> = { candidateLabels: "--labels" };

/** The flag for a library option: maxLength → --max-length. */
export function flagFor(option: string): string {
  return FLAG_NAMES[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** One stderr line (without the "nlp: " prefix) and the exit code for a thrown value. */
export function cliError(err: unknown): { message: string; code: 1 | 2 | 130 } {
  let message = describeError(err);
  if (err instanceof UsageError) for (const o of err.options) message = message.replaceAll(`\`${o}\``, flagFor(o));
  return { message, code: exitCodeFor(err) };
}
