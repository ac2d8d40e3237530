#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

main(process.argv).then(
  (code) => {
    // Let stdout drain before exiting: output to a pipe is written asynchronously.
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`nlp: unexpected error: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
