#!/usr/bin/env node
import { VERSION } from "../dist/version.js";
import { argvOf, hasLongArgument, rerunWithArgumentsInFile } from "../dist/cli/long-argv.js";

// `nlp --version` alone answers before loading the CLI (commander and every command's options cost ~40 ms):
// the same text commander prints for it (src/cli/main.ts .version(VERSION)), in 1.1x the time of `node -e 0`
if (process.argv.length === 3 && (process.argv[2] === "--version" || process.argv[2] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else if (hasLongArgument(process.argv)) {
  // a 32 KiB argument crashes ONNX Runtime's session creation: run again with the arguments in a file
  process.exitCode = await rerunWithArgumentsInFile(process.argv);
} else {
  // a re-run (above) finds its arguments in the file it was given
  const argv = argvOf(process.argv, process.env);
  const { main } = await import("../dist/cli/main.js");
  const { processIO, exitWhenSafe, exitRequested } = await import("../dist/cli/io.js");

  // a run whose promise never settles would otherwise end with exit 0 once nothing holds the event loop:
  // a truncated output must never look like success
  let settled = false;
  process.on("exit", () => {
    if (settled || exitRequested() || process.exitCode) return;
    process.stderr.write("nlp: internal error: the run stopped before it finished (please report this with the command you ran)\n");
    process.exitCode = 1;
  });
  main(argv, processIO()).then(
    (code) => {
      settled = true;
      // Let stdout drain before exiting: output to a pipe is written asynchronously.
      process.exitCode = code;
      // interrupted (130): stdin or a model run may still hold the event loop; leave once the output is flushed
      if (code === 130) process.stdout.write("", () => exitWhenSafe(code));
    },
    (err) => {
      settled = true;
      process.stderr.write(`nlp: unexpected error: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
