/**
 * A model's files at one revision, from the cache when it has them all (no
 * request at all), else from the Hub. Offline, a missing file is an error
 * naming the file and the `nlp pull` to run.
 */
import { HubError } from "../errors.js";
import { RepoCache, isCommit } from "./cache-layout.js";
import { cachedSnapshot, type FilePlan, type PlanSource } from "./cached-snapshot.js";
import { downloadBlob, failureContext, fileMetadata, requestWithRetries, type FetchContext, type FileMeta } from "./download.js";
import { hubCacheDir, hubEndpoint, hubToken, offlineFromEnv } from "./env.js";
import { MissingFileError, fsFailure, httpFailure } from "./failures.js";
import { createHttpClient, discardBody, readTextCapped } from "./http.js";
import { createDownloadProgress } from "./progress.js";
import { filePathProblem, refusedFromHub, requireRevision, show } from "./safe-path.js";

export interface EnsureOptions {
  revision: string;
  /** never touch the network (also HF_HUB_OFFLINE=1) */
  offline?: boolean;
  /** who asked for offline mode, for messages; the library never assumes a CLI flag */
  offlineReason?: string;
  /** ask the Hub even when the cache is complete (nlp pull): refreshes refs/{revision} */
  refresh?: boolean;
  /** ora progress: true on stderr, or on the stream given */
  progress?: boolean | NodeJS.WritableStream;
  log?: (line: string) => void;
  /** how the user named the model, for messages (`nlp pull <label>`) */
  label?: string;
}

export interface SnapshotResult {
  repo: string;
  dir: string;
  commit: string;
  files: string[];
  /** files whose bytes were downloaded now */
  downloaded: string[];
  /** HTTP requests sent */
  requests: number;
}

/** Every name in the plan is a safe repo-relative path: checked for the whole plan before anything is written. */
function checkPlan(ctx: FetchContext, plan: FilePlan, from: string): void {
  for (const name of [...plan.required, ...plan.optional]) {
    const problem = filePathProblem(name);
    if (!problem) continue;
    if (from === "the catalog") {
      throw new HubError(`refused file name ${show(name)} in the catalog entry for ${ctx.repo}: it ${problem}; fix or remove that entry in your catalog`);
    }
    throw refusedFromHub(ctx.repo, ctx.endpoint, "file name", name, problem);
  }
}

/** Why this run is offline, in the caller's terms: its own reason, the load option, or the environment. */
function offlineWhy(opts: EnsureOptions): string {
  if (opts.offline) return opts.offlineReason ?? "load() was called with offline: true";
  return "HF_HUB_OFFLINE=1 is set";
}

export async function ensureSnapshot(repo: string, source: PlanSource, opts: EnsureOptions): Promise<SnapshotResult> {
  requireRevision(opts.revision);
  const cache = new RepoCache(repo);
  const label = opts.label ?? repo;
  if (!opts.refresh) {
    const hit = cachedSnapshot(repo, opts.revision, source);
    if ("commit" in hit) {
      return { repo, dir: cache.snapshotDir(hit.commit), commit: hit.commit, files: hit.plan.required, downloaded: [], requests: 0 };
    }
    if (opts.offline || offlineFromEnv()) {
      throw new HubError(
        `${label} is not in the cache (${hubCacheDir()}): missing ${hit.missing.join(", ")} of ${repo}@${opts.revision}; run \`nlp pull ${label}\` while online (offline: ${offlineWhy(opts)})`,
      );
    }
  } else if (opts.offline || offlineFromEnv()) {
    throw new HubError(`cannot pull ${label} offline (${offlineWhy(opts)}); go online and retry`);
  }

  const token = hubToken();
  const http = createHttpClient(token);
  const progress = await createDownloadProgress(label, { tty: opts.progress, log: opts.log });
  const endpoint = hubEndpoint();
  const ctx: FetchContext = { http, endpoint, cache, repo, tokenSent: Boolean(token), progress };
  const downloaded: string[] = [];
  try {
    // 1. Ask first, write nothing: the listing, every name and every file's headers are checked
    //    before anything of this repo touches the disk, so a hostile answer leaves no trace.
    let commit: string | undefined = isCommit(opts.revision) ? opts.revision : undefined;
    let plan: FilePlan;
    if (source.kind === "fixed") {
      plan = source.plan;
      checkPlan(ctx, plan, "the catalog");
    } else {
      const listed = await listRepoFiles(ctx, opts.revision);
      // a pinned commit must be what is stored: a listing of another one would fill another snapshot
      if (commit && listed.commit !== commit) {
        throw refusedFromHub(repo, endpoint, "commit of the file list", listed.commit, `differs from the commit asked for (${commit})`);
      }
      commit = listed.commit;
      plan = source.choose(listed.files);
      checkPlan(ctx, plan, "the repo's file list");
    }
    const metas = new Map<string, FileMeta>();
    const absent: string[] = [];
    const head = async (path: string): Promise<void> => {
      const meta = await fileMetadata(ctx, commit ?? opts.revision, path);
      // every later file is asked for at this commit, so a push meanwhile cannot mix two versions
      if (commit && meta.commit !== commit) {
        throw refusedFromHub(repo, endpoint, `X-Repo-Commit of ${path}`, meta.commit, `differs from the commit asked for (${commit})`);
      }
      commit ??= meta.commit;
      metas.set(path, meta);
    };
    for (const path of plan.required) await head(path);
    for (const path of plan.optional) {
      try {
        await head(path);
      } catch (err) {
        if (!(err instanceof MissingFileError)) throw err;
        absent.push(path);
      }
    }
    if (!commit) throw new HubError(`${repo}: the Hub named no commit for revision ${opts.revision}`);
    // 2. The bytes: blobs are named by their checksum and verified, so a blob alone never makes a snapshot inconsistent.
    for (const [path, meta] of metas) {
      const fetched = await downloadBlob(ctx, meta, path, opts.revision);
      if (fetched) downloaded.push(path);
      progress.done(path, meta.size ?? 0, !fetched);
    }
    // 3. Only with every blob in place: the snapshot's links, .no_exist markers and the ref.
    for (const [path, meta] of metas) cache.linkSnapshot(commit, path, meta.etag);
    for (const path of absent) cache.markMissing(commit, path);
    cache.writeRef(opts.revision, commit);
    cache.assertReadable(commit);
    return { repo, dir: cache.snapshotDir(commit), commit, files: plan.required, downloaded, requests: http.requests };
  } catch (err) {
    const fsErr = err instanceof HubError ? null : fsFailure(err, (err as { path?: string }).path ?? cache.dir, cache.cacheDir);
    throw fsErr ?? err;
  } finally {
    progress.stop();
    await http.close();
  }
}

/** The most of a file list read before giving up on it. */
const MAX_LISTING_BYTES = 32 * 2 ** 20;

/** The repo's files and commit at a revision, from the Hub API (for repos the catalog does not describe). */
async function listRepoFiles(ctx: FetchContext, revision: string): Promise<{ commit: string; files: string[] }> {
  const url = `${ctx.endpoint}/api/models/${ctx.repo}/revision/${encodeURIComponent(revision)}`;
  const fcx = failureContext(ctx, revision);
  const res = await requestWithRetries(url, fcx, () => ctx.http.fetch("GET", url, { sameHostOnly: true, repo: ctx.repo, what: "the file list" }), ctx.progress.note);
  if (res.status >= 400) {
    await discardBody(res);
    throw httpFailure(res.status, res.headers, fcx);
  }
  let info: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  const text = await readTextCapped(res, MAX_LISTING_BYTES);
  if (text === null) {
    throw new HubError(
      `${new URL(url).host} sent a file list for ${ctx.repo} longer than ${MAX_LISTING_BYTES / 2 ** 20} MB (a repo with 100,000 files takes ~5 MB); a genuine Hub never does: check HF_ENDPOINT (${ctx.endpoint}) and any proxy in between (HTTPS_PROXY)`,
    );
  }
  try {
    info = JSON.parse(text) as typeof info;
  } catch {
    throw new HubError(`${new URL(url).host} sent an unreadable file list for ${ctx.repo}; check HF_ENDPOINT`);
  }
  const files = (Array.isArray(info.siblings) ? info.siblings : []).map((s) => s?.rfilename).filter((f): f is string => typeof f === "string");
  if (typeof info.sha !== "string" || !isCommit(info.sha)) throw new HubError(`the Hub's file list for ${ctx.repo} names no commit; check HF_ENDPOINT`);
  // every name, not only those a plan would pick: a listing with one hostile name is not trusted at all
  for (const name of files) {
    const problem = filePathProblem(name);
    if (problem) throw refusedFromHub(ctx.repo, ctx.endpoint, "file name", name, problem);
  }
  return { commit: info.sha, files };
}
