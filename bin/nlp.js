#!/usr/bin/env node
import { main } from "../dist/cli/main.js";
import { processIO } from "../dist/cli/io.js";

main(process.argv, processIO()).then(
  (code) => {
    // Let stdout drain before exiting: output to a pipe is written asynchronously.
    process.exitCode = code;
    // interrupted (130): stdin or a model run may still hold the event loop; leave once the output is flushed
    if (code === 130) process.stdout.write("", () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`nlp: unexpected error: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
