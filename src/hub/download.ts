/**
 * One file from the Hub into the cache, the way huggingface_hub does it:
 * HEAD the resolve URL for its commit, etag and size; GET it (from the storage
 * host a large file redirects to) into blobs/{etag}.incomplete, resuming with
 * Range after a cut; check size and sha256; rename into place; link the
 * snapshot. Retries with backoff on 5xx, cut connections and stalls.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { HubError } from "../errors.js";
import { isBlobEtag, isCommit, isSha256, normalizeEtag, type RepoCache } from "./cache-layout.js";
import { maxAttempts } from "./env.js";
import {
  backoffMs,
  errorCode,
  fsFailure,
  httpFailure,
  isProtocolError,
  isRetryableStatus,
  isTlsError,
  isTransientNetworkError,
  isUnreachable,
  networkFailure,
  protocolFailure,
  proxyFailure,
  proxyRefusal,
  storageFailure,
  tlsFailure,
  vanishedFailure,
  type FailureContext,
} from "./failures.js";
import { discardBody, isHubOrigin, type HttpClient, type HubResponse } from "./http.js";
import { withBlobLock } from "./lock.js";
import type { DownloadProgress } from "./progress.js";
import { refusedFromHub } from "./safe-path.js";

export interface FetchContext {
  http: HttpClient;
  endpoint: string;
  cache: RepoCache;
  repo: string;
  tokenSent: boolean;
  progress: DownloadProgress;
}

export interface FileMeta {
  commit: string;
  etag: string;
  size?: number;
  /** where the bytes are: the resolve URL, or the storage URL it redirects to */
  location: string;
}

export function resolveUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function failureContext(ctx: FetchContext, revision: string, path?: string): FailureContext {
  return { repo: ctx.repo, revision, path, endpoint: ctx.endpoint, tokenSent: ctx.tokenSent };
}

/**
 * A request with retries: 5xx/429 and broken connections are tried again
 * with backoff; an unreachable host gets one more try; other answers return.
 */
export async function requestWithRetries(
  url: string,
  fcx: FailureContext,
  run: () => Promise<HubResponse>,
  note?: (line: string) => void,
): Promise<HubResponse> {
  const attempts = maxAttempts();
  // a wait of a second or more is said (Retry-After may ask for 30 s, five times): silence that long looks like a hang
  const wait = async (ms: number, attempt: number, why: string) => {
    if (ms >= 1000) note?.(`${new URL(url).host} ${why}: retrying in ${Math.round(ms / 1000)} s (attempt ${attempt + 1} of ${attempts})`);
    await sleep(ms);
  };
  let lastErr: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let res: HubResponse;
    try {
      res = await run();
    } catch (err) {
      lastErr = err;
      if (isProtocolError(err)) throw protocolFailure(err, url, fcx.endpoint);
      if (isTlsError(err)) throw tlsFailure(err, url, fcx.endpoint);
      const refusedBy = proxyRefusal(err);
      if (refusedBy !== null) throw proxyFailure(refusedBy, url, err);
      if (isUnreachable(err) && attempt >= 2) throw networkFailure(err, url, attempt);
      if (!isUnreachable(err) && !isTransientNetworkError(err)) throw err;
      if (attempt < attempts) await wait(backoffMs(attempt), attempt, `failed (${errorCode(err) || "connection error"})`);
      continue;
    }
    if (isRetryableStatus(res.status)) {
      await discardBody(res);
      if (attempt >= attempts) throw httpFailure(res.status, res.headers, fcx);
      await wait(backoffMs(attempt, res.headers["retry-after"]), attempt, `answered ${res.status}`);
      continue;
    }
    return res;
  }
  throw networkFailure(lastErr, url, attempts);
}

/** HEAD on the resolve URL: commit, etag, size and where to GET the bytes. Relative redirects (renamed repos) are followed. */
export async function fileMetadata(ctx: FetchContext, revision: string, path: string): Promise<FileMeta> {
  const url = resolveUrl(ctx.endpoint, ctx.repo, revision, path);
  const fcx = failureContext(ctx, revision, path);
  const res = await requestWithRetries(url, fcx, () => ctx.http.fetch("HEAD", url, { sameHostOnly: true, repo: ctx.repo, what: path }), ctx.progress.note);
  await discardBody(res);
  if (res.status >= 400) throw httpFailure(res.status, res.headers, fcx);
  const h = res.headers;
  const commit = h["x-repo-commit"];
  const etag = normalizeEtag(h["x-linked-etag"] ?? h["etag"]);
  if (!commit || !etag) {
    throw new HubError(
      `${new URL(url).host} answered for ${path} of ${ctx.repo} without X-Repo-Commit/ETag: HF_ENDPOINT must point at a Hugging Face Hub (or mirror) and any proxy must pass these headers`,
    );
  }
  // both name paths in the cache (snapshots/{commit}, blobs/{etag}): only what the Hub really sends is used
  if (!isCommit(commit)) throw refusedFromHub(ctx.repo, ctx.endpoint, `X-Repo-Commit of ${path}`, commit, "is not a 40-hex commit");
  if (!isBlobEtag(etag)) throw refusedFromHub(ctx.repo, ctx.endpoint, `ETag of ${path}`, etag, "is not a sha1 or sha256 in hex");
  const sizeText = h["x-linked-size"] ?? (res.status < 300 ? h["content-length"] : undefined);
  const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
  const location = res.status >= 300 && res.status < 400 && h.location ? new URL(h.location, res.url).toString() : res.url;
  return { commit, etag, size, location };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Unlinks the partial file (a link itself, never what it points to). */
function resetPartial(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * The size of the partial download to resume. Anything at its name that is not a plain file of its own
 * (a link or hard link planted in a shared cache, a folder) is removed first: bytes are only ever appended
 * to a file of this cache, never through a link to a file elsewhere.
 */
function partialSize(path: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  if (st.isFile() && st.nlink === 1) return st.size;
  resetPartial(path);
  return 0;
}

/** Open flags for the partial file: O_NOFOLLOW, so a link swapped in after partialSize fails the open instead of being written through. */
function partialFlags(append: boolean): number {
  return constants.O_WRONLY | constants.O_CREAT | (append ? constants.O_APPEND : constants.O_TRUNC) | (constants.O_NOFOLLOW ?? 0);
}

/** A body that runs past the size the Hub announced (a broken or hostile server, or one that never ends): cut at once. */
class TooLongBody extends Error {}

/** Start offset of a 206 answer ("bytes 100-199/200"), or -1. */
export function contentRangeStart(header: string | undefined): number {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec((header ?? "").trim());
  return m ? Number(m[1]) : -1;
}

/** Downloads the blob unless the cache has it; returns whether bytes were fetched. */
export async function downloadBlob(ctx: FetchContext, meta: FileMeta, path: string, revision: string): Promise<boolean> {
  const { cache } = ctx;
  const blob = cache.blob(meta.etag);
  const cached = () => existsSync(blob) && (meta.size === undefined || sizeOf(blob) === meta.size);
  if (cached()) return false;
  mkdirSync(dirname(blob), { recursive: true });
  return withBlobLock(
    cache.lockTarget(meta.etag),
    () => ctx.progress.note(`waiting for another process downloading ${path}`),
    async () => {
      if (cached()) return false;
      try {
        await fetchIntoBlob(ctx, meta, path, failureContext(ctx, revision, path));
      } catch (err) {
        if (errorCode(err) === "ENOENT") throw vanishedFailure(ctx.cache.incomplete(meta.etag), err);
        throw err;
      }
      return true;
    },
  );
}

async function fetchIntoBlob(ctx: FetchContext, meta: FileMeta, path: string, fcx: FailureContext): Promise<void> {
  const inc = ctx.cache.incomplete(meta.etag);
  const blob = ctx.cache.blob(meta.etag);
  const attempts = maxAttempts();
  let mismatches = 0;
  let overruns = 0;
  // where the bytes are: replaced once by a fresh link when the storage host refuses the one we have
  let location = meta.location;
  let refreshed = false;
  let lastErr: unknown = new Error("no attempt made");
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let have = partialSize(inc);
    if (meta.size !== undefined && have > meta.size) {
      resetPartial(inc);
      have = 0;
    }
    // an empty file (the Hub has them: an empty modules.json, __init__.py) needs no bytes, only the file
    if (meta.size === 0) closeSync(openSync(inc, partialFlags(false)));
    else if (meta.size === undefined || have < meta.size) {
      let res: HubResponse;
      try {
        const url = location;
        res = await requestWithRetries(
          url,
          fcx,
          () => ctx.http.fetch("GET", url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, repo: ctx.repo, what: path }),
          ctx.progress.note,
        );
      } catch (err) {
        if (err instanceof HubError) throw err;
        throw networkFailure(err, location, attempt);
      }
      if (res.status === 416) {
        // the partial file is longer than the file now is: start over
        await discardBody(res);
        resetPartial(inc);
        continue;
      }
      if (res.status >= 400) {
        await discardBody(res);
        // the Hub granted access (HEAD) and sent us elsewhere: a refusal there is no repo or token problem
        if (!isHubOrigin(res.url, ctx.endpoint)) {
          if (refreshed) throw storageFailure(res.status, res.url, fcx);
          // a signed link expires (a resume after a long pause): ask the Hub for a new one, once
          refreshed = true;
          ctx.progress.note(`${path}: ${new URL(res.url).host} refused the download link (${res.status}), asking the Hub for a new one`);
          const fresh = await fileMetadata(ctx, meta.commit, path);
          if (fresh.etag !== meta.etag) throw refusedFromHub(ctx.repo, ctx.endpoint, `ETag of ${path}`, fresh.etag, `differs from the one it sent before (${meta.etag}) at the same commit`);
          location = fresh.location;
          continue;
        }
        throw httpFailure(res.status, res.headers, fcx);
      }
      if (res.status === 206 && contentRangeStart(res.headers["content-range"]) !== have) {
        await discardBody(res);
        resetPartial(inc);
        continue;
      }
      if (res.status !== 206) have = 0; // the server sent the whole file: write it from the start
      ctx.progress.start(path, meta.size, have);
      let written = have;
      try {
        await pipeline(
          res.body,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              written += chunk.length;
              if (meta.size !== undefined && written > meta.size) throw new TooLongBody();
              ctx.progress.bytes(chunk.length);
              yield chunk;
            }
          },
          createWriteStream(inc, { fd: openSync(inc, partialFlags(have > 0)) }),
        );
      } catch (err) {
        res.body.destroy(); // when the file could not be opened, the body was never read
        if (err instanceof TooLongBody) {
          resetPartial(inc);
          if (++overruns >= 2) {
            throw new HubError(
              `${path} of ${ctx.repo}: ${new URL(meta.location).host} sent more than the ${meta.size} bytes announced, twice; nothing was kept: check HF_ENDPOINT and any proxy in between (HTTPS_PROXY)`,
            );
          }
          ctx.progress.note(`${path}: more bytes than announced, downloading again`);
          continue;
        }
        const fsErr = fsFailure(err, inc, ctx.cache.cacheDir);
        if (fsErr) throw fsErr;
        if (isProtocolError(err)) throw protocolFailure(err, location, ctx.endpoint);
        if (!isTransientNetworkError(err) && !isUnreachable(err)) throw err;
        lastErr = err;
        if (attempt < attempts) await sleep(backoffMs(attempt));
        continue;
      }
    }
    const got = partialSize(inc);
    if (meta.size !== undefined && got !== meta.size) {
      // ended short without an error (or long): resume or restart on the next attempt
      if (got > meta.size) resetPartial(inc);
      lastErr = new HubError(
        `${new URL(location).host} kept ending ${path} of ${ctx.repo} early (${got} of ${meta.size} bytes after ${attempt} attempts); retry later (the partial file is kept and resumed), or check any proxy in between (HTTPS_PROXY)`,
      );
      continue;
    }
    if (isSha256(meta.etag)) {
      const digest = await sha256File(inc);
      if (digest !== meta.etag) {
        rmSync(inc, { force: true });
        mismatches++;
        if (mismatches >= 2) {
          throw new HubError(
            `${path} of ${ctx.repo} failed its sha256 check twice (expected ${meta.etag.slice(0, 12)}…, got ${digest.slice(0, 12)}…); nothing was kept: retry later, or check your proxy is not altering downloads`,
          );
        }
        ctx.progress.note(`${path}: checksum mismatch, downloading again`);
        continue;
      }
    }
    renameSync(inc, blob);
    return;
  }
  throw lastErr instanceof HubError ? lastErr : networkFailure(lastErr, location, attempts);
}
