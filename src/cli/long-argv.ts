/**
 * Why: creating an ONNX Runtime session crashes the process (SIGSEGV, exit 139) when one of its command-line
 * arguments is 32 KiB or longer (onnxruntime-node 1.30 on Linux; a 40 KB text through stdin or an environment
 * variable is fine), so `nlp classify "$(cat long-review.txt)"` died. Such a run starts itself again with its
 * arguments in a private temporary file, so the process that loads the model has a short command line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

/** Arguments at least this long move to the file (half the length that crashes, measured at 32,000 bytes). */
export const LONG_ARGUMENT = 16 * 1024;
const ARGV_FILE = "NLP_ARGV_FILE";

export function hasLongArgument(argv: readonly string[]): boolean {
  return argv.slice(2).some((a) => Buffer.byteLength(a) >= LONG_ARGUMENT);
}

/** The arguments a re-run was given through its file (which is then removed), else `argv` itself. */
export function argvOf(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const file = env[ARGV_FILE];
  if (!file) return argv;
  delete env[ARGV_FILE];
  try {
    return [...argv.slice(0, 2), ...(JSON.parse(readFileSync(file, "utf8")) as string[])];
  } finally {
    rmSync(join(file, ".."), { recursive: true, force: true });
  }
}

/** Runs this CLI again with `argv`'s arguments in a file; resolves its exit code (128 + n for a signal). */
export async function rerunWithArgumentsInFile(argv: readonly string[]): Promise<number> {
  // imported here: every run loads this module to check its arguments, almost none re-runs
  const { spawn } = await import("node:child_process");
  const dir = mkdtempSync(join(tmpdir(), "nlp-argv-"));
  const file = join(dir, "argv.json");
  writeFileSync(file, JSON.stringify(argv.slice(2)), { mode: 0o600 });
  const child = spawn(process.execPath, [...process.execArgv, argv[1]], { stdio: "inherit", env: { ...process.env, [ARGV_FILE]: file } });
  // the terminal's Ctrl-C reaches both processes: the child handles it (closing its output); a kill of this
  // process is passed on
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", () => {});
  process.on("SIGTERM", forward);
  return new Promise((resolve) => {
    child.on("error", (err) => {
      rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`nlp: cannot start a second process for a long argument: ${err.message}; pass the text on stdin instead\n`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
