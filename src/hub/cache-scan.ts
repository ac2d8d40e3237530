/**
 * Reading and tidying the whole cache: list, verify, remove, clear. Deletes
 * never go through a link: fs.rm removes a link, not what it points to, and
 * every path deleted is first checked to lie inside the cache (isInside), so a
 * linked folder cannot lead a delete out of it.
 */
import { existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { RepoCache, cachedRepos, isSha256 } from "./cache-layout.js";
import { sha256File } from "./download.js";
import { hubCacheDir } from "./env.js";
import { isInside } from "./safe-path.js";
import { isBlobLocked } from "./lock.js";

/** Deletes `target` (a link itself, never its target) when it really lies inside `root`; returns whether it did. */
function removeInside(root: string, target: string, cacheDir: string): boolean {
  if (!isInside(root, target, cacheDir)) return false;
  rmSync(target, { recursive: true, force: true });
  return true;
}

export interface CachedRepo {
  repo: string;
  dir: string;
  refs: Record<string, string>;
  snapshots: string[];
  /** distinct file paths across snapshots */
  files: string[];
  /** bytes of the blobs (each counted once) */
  bytes: number;
  /** unfinished downloads */
  incomplete: number;
}

function folderBytes(dir: string, filter: (name: string) => boolean = () => true): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) total += folderBytes(p, filter);
    else if (st.isFile() && filter(name)) total += st.size;
  }
  return total;
}

export function scanCache(cacheDir = hubCacheDir()): CachedRepo[] {
  return cachedRepos(cacheDir).map((repo) => {
    const c = new RepoCache(repo, cacheDir);
    const snapshots = c.snapshots();
    const files = [...new Set(snapshots.flatMap((s) => c.snapshotFiles(s).map((f) => f.path)))].sort();
    const blobs = join(c.dir, "blobs");
    const incomplete = existsSync(blobs) ? readdirSync(blobs).filter((n) => n.endsWith(".incomplete")).length : 0;
    // snapshots that are copies (no symlinks) hold bytes of their own
    const copies = folderBytes(join(c.dir, "snapshots"));
    return { repo, dir: c.dir, refs: c.refs(), snapshots, files, bytes: folderBytes(blobs) + copies, incomplete };
  });
}

/** Deletes a repo's folder and locks; returns the bytes freed, or null when it was not cached. */
export function removeRepo(repo: string, cacheDir = hubCacheDir()): number | null {
  const c = new RepoCache(repo, cacheDir);
  if (!existsSync(c.dir)) return null;
  const bytes = folderBytes(c.dir);
  removeInside(cacheDir, c.dir, cacheDir);
  removeInside(join(cacheDir, ".locks"), c.locksDir(), cacheDir);
  return bytes;
}

export interface VerifiedFile {
  commit: string;
  path: string;
  /** ok: sha256 matches; unchecked: a small file the Hub gives no sha256 for; corrupt; missing: dangling link */
  state: "ok" | "unchecked" | "corrupt" | "missing";
  detail?: string;
}

/** Re-hashes every blob a snapshot points to; with fix, deletes bad blobs and their links. */
export async function verifyRepo(repo: string, opts: { fix?: boolean } = {}, cacheDir = hubCacheDir()): Promise<VerifiedFile[]> {
  const c = new RepoCache(repo, cacheDir);
  const out: VerifiedFile[] = [];
  const hashed = new Map<string, string>();
  for (const commit of c.snapshots()) {
    for (const f of c.snapshotFiles(commit)) {
      const target = f.blob;
      if (f.badLink) {
        // the link goes, never what it points to
        out.push({ commit, path: f.path, state: "missing", detail: f.badLink === "outside" ? "link points outside the repo's blobs/" : "blob deleted" });
        if (opts.fix) removeInside(c.dir, f.file, cacheDir);
        continue;
      }
      const etag = target ? basename(target) : null;
      if (!etag || !isSha256(etag)) {
        out.push({ commit, path: f.path, state: "unchecked", detail: target ? undefined : "a copy, not a link" });
        continue;
      }
      let digest = hashed.get(target!);
      if (!digest) {
        digest = await sha256File(target!);
        hashed.set(target!, digest);
      }
      if (digest === etag) out.push({ commit, path: f.path, state: "ok" });
      else {
        out.push({ commit, path: f.path, state: "corrupt", detail: `sha256 ${digest.slice(0, 12)}… ≠ ${etag.slice(0, 12)}…` });
        if (opts.fix) {
          removeInside(join(c.dir, "blobs"), target!, cacheDir);
          removeInside(c.dir, f.file, cacheDir);
        }
      }
    }
  }
  return out;
}

function heldBlob(c: RepoCache, etag: string): boolean {
  try {
    return isBlobLocked(c.lockTarget(etag));
  } catch {
    return false; // not an etag name: no download of ours
  }
}

/** Deletes every model folder (or only *.incomplete files and lock folders no live download holds); returns bytes freed. */
export function clearCache(opts: { partialOnly: boolean }, cacheDir = hubCacheDir()): number {
  let freed = 0;
  for (const repo of cachedRepos(cacheDir)) {
    const c = new RepoCache(repo, cacheDir);
    if (opts.partialOnly) {
      const blobs = join(c.dir, "blobs");
      if (!existsSync(blobs)) continue;
      for (const name of readdirSync(blobs).filter((n) => n.endsWith(".incomplete"))) {
        // a download another process is running now: its file and lock stay (it would fail at the end)
        if (heldBlob(c, name.slice(0, -".incomplete".length))) continue;
        const p = join(blobs, name);
        const size = lstatSync(p).size;
        if (removeInside(c.dir, p, cacheDir)) freed += size;
      }
    } else {
      freed += removeRepo(repo, cacheDir) ?? 0;
    }
  }
  const locks = join(cacheDir, ".locks");
  if (!opts.partialOnly) removeInside(cacheDir, locks, cacheDir);
  else if (existsSync(locks)) {
    for (const d of readdirSync(locks)) {
      const dir = join(locks, d);
      if (!lstatSync(dir).isDirectory()) continue;
      for (const n of readdirSync(dir).filter((x) => x.endsWith(".nlp.lock"))) {
        if (!isBlobLocked(join(dir, n.slice(0, -".nlp.lock".length)))) removeInside(dir, join(dir, n), cacheDir);
      }
    }
  }
  return freed;
}
