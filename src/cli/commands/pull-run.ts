import type { CliIO } from "../io.js";

export interface PullCliOptions {
  variant?: string;
  revision?: string;
  quiet?: boolean;
}


export async function runPull(refs: string[], opts: PullCliOptions, io: CliIO): Promise<void> {
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
