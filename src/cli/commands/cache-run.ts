import type { CliIO } from "../io.js";
import { NlpError, UsageError } from "../../errors.js";
import { createWriter, knownColumn, parseOutputFormat } from "../../io/output.js";


async function repoForRef(ref: string): Promise<string> {
  const { parseHubId } = await import("../../catalog/grammar.js");
  const hub = parseHubId(ref);
  if (hub) return hub.repo;
  const { loadCatalog } = await import("../../catalog/catalog.js");
  const { entry } = loadCatalog().require(ref);
  if (entry.source !== "hub" || !entry.repo) throw new UsageError(`${entry.ref} is ${entry.source === "embedded" ? "shipped inside the package" : "an imported folder"}, not in the Hub cache`);
  return entry.repo;
}

export async function runList(opts: { format?: string }, io: CliIO): Promise<void> {
  const format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  const { scanCache } = await import("../../hub/cache-scan.js");
  const { formatBytes } = await import("../../hub/progress.js");
  const { loadCatalog } = await import("../../catalog/catalog.js");
  const { hubCacheDir } = await import("../../hub/env.js");
  const catalog = loadCatalog();
  const repos = scanCache();
  if (repos.length === 0) io.stderr.write(`nlp: the cache ${hubCacheDir()} holds no models\n`);
  const table = format === "table";
  const columns = ["repo", "ref", "revisions", "files", "size"];
  const records = repos.map((r) => {
    const revisions = Object.entries(r.refs).map(([name, commit]) => `${name}→${commit.slice(0, 8)}`);
    const loose = r.snapshots.filter((s) => !Object.values(r.refs).includes(s)).map((s) => s.slice(0, 8));
    return {
      repo: r.repo,
      ref: catalog.byRepo(r.repo)?.ref ?? "",
      revisions: table ? [...revisions, ...loose].join(" ") : [...revisions, ...loose],
      files: table ? r.files.join(" ") : r.files,
      // an interrupted download has bytes but no snapshot yet: the table says so (json/jsonl carry `incomplete`)
      size: table ? `${formatBytes(r.bytes)}${r.incomplete ? ` (${r.incomplete} unfinished)` : ""}` : r.bytes,
      ...(table ? {} : { path: r.dir, incomplete: r.incomplete }),
    };
  });
  // table: repo and ref whole (they are what you type), the lists cut with … or dropped to fit the terminal
  const col = (c: string) => knownColumn(records, c);
  const fit = { repo: col("repo"), ref: col("ref"), revisions: { ...col("revisions"), min: 12, drop: 1 }, files: { ...col("files"), min: 10, drop: 2 }, size: col("size") };
  const writer = createWriter(format, io.stdout, { env: io.env, columns, table: fit });
  for (const r of records) await writer.write(r);
  await writer.end();
}

export async function runPath(ref: string | undefined, opts: { variant?: string }, io: CliIO): Promise<void> {
  const { hubCacheDir } = await import("../../hub/env.js");
  if (!ref) {
    io.stdout.write(`${hubCacheDir()}\n`);
    return;
  }
  const { resolveReference } = await import("../../catalog/materialize.js");
  // offline: only say where it is, never download
  const r = await resolveReference(ref, { offline: true, offlineReason: "`nlp cache path` only looks in the cache", variant: opts.variant });
  io.stdout.write(`${r.dir}\n`);
}

export async function runRm(refs: string[], io: CliIO): Promise<void> {
  const { removeRepo } = await import("../../hub/cache-scan.js");
  const { formatBytes } = await import("../../hub/progress.js");
  const { hubCacheDir } = await import("../../hub/env.js");
  const absent: string[] = [];
  const { parseHubId } = await import("../../catalog/grammar.js");
  // rm deletes a model's every revision: asked for one, it must not silently delete the others too
  const pinned = refs.find((r) => parseHubId(r)?.revision !== undefined);
  if (pinned) throw new UsageError(`nlp cache rm deletes every revision of a model; ${pinned} names one: drop "@${parseHubId(pinned)!.revision}" to delete them all`);
  for (const ref of refs) {
    const repo = await repoForRef(ref);
    const freed = removeRepo(repo);
    if (freed === null) absent.push(repo);
    else io.stderr.write(`nlp: removed ${repo} (${formatBytes(freed)})\n`);
  }
  // as `rm` without -f: a name that is not there (often a typo) fails, after the others are removed
  if (absent.length > 0) throw notCached(absent, "removed", hubCacheDir());
}

/** Models named on the command line that the cache does not hold: exit 1 once the others are done. */
function notCached(absent: string[], done: string, cacheDir: string): NlpError {
  const one = absent.length === 1;
  return new NlpError(`${absent.join(", ")} ${one ? "is" : "are"} not in the cache ${cacheDir}: nothing ${done} for ${one ? "it" : "them"} (nlp cache list shows what is)`);
}

export async function runVerify(refs: string[], opts: { fix?: boolean }, io: CliIO): Promise<void> {
  const { verifyRepo, scanCache } = await import("../../hub/cache-scan.js");
  const { cachedRepos } = await import("../../hub/cache-layout.js");
  const { hubCacheDir } = await import("../../hub/env.js");
  const cached = new Set(cachedRepos());
  const named = refs.length > 0 ? await Promise.all(refs.map(repoForRef)) : scanCache().map((r) => r.repo);
  const repos = named.filter((r) => cached.has(r));
  const absent = named.filter((r) => !cached.has(r));
  let bad = 0;
  let checked = 0;
  for (const repo of repos) {
    for (const f of await verifyRepo(repo, { fix: opts.fix })) {
      checked++;
      if (f.state !== "ok" && f.state !== "unchecked") bad++;
      io.stdout.write(`${f.state}\t${repo}\t${f.commit.slice(0, 8)}\t${f.path}${f.detail ? `\t${f.detail}` : ""}\n`);
    }
  }
  io.stderr.write(`nlp: ${checked} files checked, ${bad} bad${bad && opts.fix ? " (removed: the next use downloads them again)" : ""}\n`);
  if (absent.length > 0) throw notCached(absent, "checked", hubCacheDir());
  if (bad > 0 && !opts.fix) throw new NlpError(`${bad} cached files are corrupt or missing; run \`nlp cache verify --fix\`, then use the models again to re-download them`);
}

export async function runClear(opts: { yes?: boolean; partial?: boolean }, io: CliIO): Promise<void> {
  const { clearCache, scanCache } = await import("../../hub/cache-scan.js");
  const { formatBytes } = await import("../../hub/progress.js");
  const { hubCacheDir } = await import("../../hub/env.js");
  if (!opts.partial && !opts.yes) {
    const repos = scanCache();
    const bytes = repos.reduce((s, r) => s + r.bytes, 0);
    throw new UsageError(
      `this deletes all ${repos.length} models (${formatBytes(bytes)}) in ${hubCacheDir()}, Python's included; rerun with --yes, or use --partial for unfinished downloads only`,
    );
  }
  const freed = clearCache({ partialOnly: Boolean(opts.partial) });
  io.stderr.write(`nlp: freed ${formatBytes(freed)} in ${hubCacheDir()}\n`);
}
