/**
 * What a command may touch of the outside world, passed in (as `gh` passes IOStreams) so the whole CLI
 * runs in process for tests: bin/nlp.js passes the real process, tests pass buffers. No command reads
 * process.stdin/stdout/stderr/env directly.
 */
import type { Readable, Writable } from "node:stream";
import { settleWorkers } from "../engine/pool.js";

export type TTYish = { isTTY?: boolean; columns?: number };

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & TTYish;
  stderr: Writable & TTYish;
  env: NodeJS.ProcessEnv;
  /** a path that reads stdin, for its size (progress ETA on a redirected file): "/dev/stdin" in a real process */
  stdinPath?: string;
  /** where SIGINT/SIGTERM arrive (the process in the bin); absent: no signal handling */
  signals?: Pick<NodeJS.EventEmitter, "on" | "off">;
  /** ends the process at once (a closed stdout pipe); absent: main returns the code instead */
  exit?: (code: number) => void;
}

/** The real process, for bin/nlp.js. */
export function processIO(): CliIO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdinPath: "/dev/stdin",
    signals: process,
    exit: (code) => exitWhenSafe(code),
  };
}

/** process.exit once no worker thread is inside ONNX Runtime's session creation (exiting then aborts the process). */
export function exitWhenSafe(code: number): void {
  exitAsked = true;
  void settleWorkers().then(() => process.exit(code));
}

let exitAsked = false;
/** Whether the process is ending on purpose (a closed stdout, an interrupt) rather than running dry. */
export function exitRequested(): boolean {
  return exitAsked;
}

