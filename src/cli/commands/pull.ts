import type { Command } from "commander";
import type { CliIO } from "../io.js";

interface PullCliOptions {
  variant?: string;
  revision?: string;
  quiet?: boolean;
}

export function registerPull(program: Command, io: CliIO): void {
  program
    .command("pull")
    .description("download models into the Hugging Face cache (shared with Python), so they later load offline")
    .argument("<ref...>", "catalog references, aliases or owner/name[@revision] Hub ids")
    .option("--variant <name>", "ONNX variant to fetch: int8, fp32, fp16, … (default: the model's preferred one)")
    .option("--revision <rev>", "Hub branch, tag or commit")
    .option("-q, --quiet", "no progress or notices on stderr")
    .addHelpText(
      "after",
      `
Prints the folder of each model on stdout. Needs the network; HF_TOKEN opens gated or private repos.

Examples:
  $ nlp pull en.classify.bert.imdb
  $ nlp pull sentiment emotion toxicity --variant int8
  $ nlp pull Xenova/toxic-bert@main`,
    )
    .action(async (refs: string[], opts: PullCliOptions) => runPull(refs, opts, io));
}

async function runPull(refs: string[], opts: PullCliOptions, io: CliIO): Promise<void> {
  const { resolveReference } = await import("../../catalog/materialize.js");
  const log = opts.quiet ? undefined : (line: string) => io.stderr.write(line + "\n");
  for (const ref of refs) {
    const r = await resolveReference(ref, {
      variant: opts.variant,
      revision: opts.revision,
      refresh: true,
      progress: !opts.quiet && io.stderr.isTTY ? io.stderr : false,
      log,
    });
    if (log) {
      const what = r.snapshot
        ? `${r.snapshot.repo}@${r.snapshot.commit.slice(0, 10)}: ${r.snapshot.downloaded.length ? `downloaded ${r.snapshot.downloaded.join(", ")}` : "already up to date"}`
        : `${r.source} model, nothing to download`;
      log(`nlp: ${ref} → ${what}`);
    }
    io.stdout.write(`${r.dir}\n`);
  }
}
