/**
 * Typed errors. Every failure a user can meet is one of these; the CLI maps
 * them to exit codes in exactly one place (exitCodeFor) and prints `message`
 * as a single line, so each message must carry the fix.
 */
export class NlpError extends Error {
  /** 1 = runtime failure, 2 = usage error, 130 = interrupted (as a shell reports Ctrl-C) */
  readonly exitCode: 1 | 2 | 130;
  constructor(message: string, exitCode: 1 | 2 | 130 = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/**
 * The user asked for something malformed: bad option value, unknown model reference, … (exit 2).
 * Library code names its options in the library's words, in backticks (`maxLength`), and lists them in
 * `options`; the CLI shows them as its flags (--max-length), mapped in one place (src/cli/errors.ts).
 */
export class UsageError extends NlpError {
  /** the library options the message names (each as `name` in the message) */
  readonly options: readonly string[];
  constructor(message: string, options?: { cause?: unknown; option?: string | readonly string[] }) {
    super(message, 2, options);
    this.options = options?.option === undefined ? [] : typeof options.option === "string" ? [options.option] : options.option;
  }
}

/** A model bundle is missing files, malformed or inconsistent (exit 1). */
export class BundleError extends NlpError {}

/** Input records could not be read or parsed (exit 1). */
export class InputError extends NlpError {}

/** A download or cache operation failed (exit 1). */
export class HubError extends NlpError {}

/** ONNX Runtime or tokenizer failure while running a model (exit 1). */
export class InferenceError extends NlpError {}

/** SIGINT/SIGTERM stopped the output after `records` records, which were closed cleanly (exit 130). */
export class Interrupted extends NlpError {
  constructor(
    readonly records: number,
    readonly signal: string,
  ) {
    super(`interrupted after ${records} record${records === 1 ? "" : "s"}`, 130);
  }
}

/** The single mapping from any thrown value to the process exit code. */
export function exitCodeFor(err: unknown): 1 | 2 | 130 {
  if (err instanceof NlpError) return err.exitCode;
  // commander marks its own usage errors with a code like "commander.unknownOption"
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("commander.")) return 2;
  return 1;
}

/** System errors that are the machine's state, not a bug in nlp: what to do about each. */
const SYSTEM_FIXES: Record<string, string> = {
  ENOSPC: "free some disk space or write elsewhere",
  EDQUOT: "free some disk space or write elsewhere",
  EFBIG: "the file is over the file system's size limit; write elsewhere",
  EROFS: "the file system is read-only; write elsewhere",
  EACCES: "check the permissions, or write elsewhere",
  EPERM: "check the permissions, or write elsewhere",
  EIO: "the disk reported an I/O error; check it",
  EMFILE: "too many open files; raise the limit (ulimit -n)",
  ENFILE: "too many open files; raise the limit (ulimit -n)",
};

/** What to do about a system error that is the machine's state (a full disk …), or undefined. */
export function systemFix(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? SYSTEM_FIXES[code] : undefined;
}

/** One line for stderr: no stack traces for known errors. */
export function describeError(err: unknown): string {
  if (err instanceof NlpError) return err.message;
  const sys = err as NodeJS.ErrnoException | null;
  if (sys instanceof Error && typeof sys.syscall === "string" && systemFix(sys)) {
    // a write to an -o file or an index on a full disk: the machine's state, said with the fix
    return `cannot ${sys.syscall}: ${sys.message}; ${systemFix(sys)}`;
  }
  if (err instanceof Error) return `unexpected error: ${err.message} (please report this with the command you ran)`;
  return `unexpected error: ${String(err)}`;
}
