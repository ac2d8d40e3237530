/**
 * The huggingface_hub cache layout, so a model downloaded by Python is used
 * here and the other way round:
 *
 *   $HF_HUB_CACHE/models--{owner}--{name}/
 *     blobs/{etag}                 the file's bytes (etag = sha256 for LFS files)
 *     blobs/{etag}.incomplete      a download in progress, resumed with Range
 *     snapshots/{commit}/{path}    relative symlink to ../../blobs/{etag} (a copy where links fail)
 *     refs/{revision}              the commit a branch or tag pointed to
 *     .no_exist/{commit}/{path}    an optional file the repo does not have
 *   $HF_HUB_CACHE/.locks/models--{owner}--{name}/   our lock folders
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { hubCacheDir } from "./env.js";

export function repoFolderName(repo: string): string {
  return `models--${repo.split("/").join("--")}`;
}

/** models--owner--name → owner/name (null for datasets/spaces or anything else). */
export function repoFromFolderName(folder: string): string | null {
  if (!folder.startsWith("models--")) return null;
  const parts = folder.slice("models--".length).split("--");
  return parts.length >= 2 ? `${parts[0]}/${parts.slice(1).join("--")}` : null;
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;

export function isCommit(rev: string): boolean {
  return COMMIT_RE.test(rev);
}

/** ETag headers come quoted and sometimes weak (W/"…"); the cache names blobs by the bare value. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "") || undefined;
}

export function isSha256(etag: string): boolean {
  return /^[0-9a-f]{64}$/.test(etag);
}

export class RepoCache {
  readonly dir: string;
  constructor(
    readonly repo: string,
    readonly cacheDir = hubCacheDir(),
  ) {
    this.dir = join(cacheDir, repoFolderName(repo));
  }

  blob(etag: string): string {
    return join(this.dir, "blobs", etag);
  }
  incomplete(etag: string): string {
    return `${this.blob(etag)}.incomplete`;
  }
  snapshotDir(commit: string): string {
    return join(this.dir, "snapshots", commit);
  }
  snapshotFile(commit: string, path: string): string {
    return join(this.snapshotDir(commit), ...path.split("/"));
  }
  refFile(revision: string): string {
    return join(this.dir, "refs", ...revision.split("/"));
  }
  noExistFile(commit: string, path: string): string {
    return join(this.dir, ".no_exist", commit, ...path.split("/"));
  }
  locksDir(): string {
    return join(this.cacheDir, ".locks", repoFolderName(this.repo));
  }

  /** The commit a revision points to in the cache: a commit is itself, a branch or tag reads refs/. */
  commitFor(revision: string): string | null {
    if (isCommit(revision)) return existsSync(this.snapshotDir(revision)) ? revision : null;
    try {
      const c = readFileSync(this.refFile(revision), "utf8").trim();
      return isCommit(c) ? c : null;
    } catch {
      return null;
    }
  }

  /** A file is usable when its snapshot entry resolves to existing bytes (a dangling link is not). */
  hasFile(commit: string, path: string): boolean {
    try {
      return statSync(this.snapshotFile(commit, path)).isFile();
    } catch {
      return false;
    }
  }

  knownMissing(commit: string, path: string): boolean {
    return existsSync(this.noExistFile(commit, path));
  }

  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const file = this.refFile(revision);
    if (existsSync(file) && readFileSync(file, "utf8").trim() === commit) return;
    atomicWrite(file, commit);
  }

  markMissing(commit: string, path: string): void {
    atomicWrite(this.noExistFile(commit, path), "");
  }

  /** Points snapshots/{commit}/{path} at the blob: a relative symlink as huggingface_hub makes, else a copy. */
  linkSnapshot(commit: string, path: string, etag: string): void {
    const dest = this.snapshotFile(commit, path);
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    try {
      symlinkSync(relative(dirname(dest), this.blob(etag)), tmp);
    } catch {
      copyFileSync(this.blob(etag), tmp);
    }
    renameSync(tmp, dest);
  }

  /** Every snapshot file with the blob it points to, for `nlp cache list|verify`. */
  snapshotFiles(commit: string): { path: string; file: string; blob: string | null }[] {
    const root = this.snapshotDir(commit);
    const out: { path: string; file: string; blob: string | null }[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        const st = lstatSync(full);
        if (st.isDirectory()) walk(full);
        else {
          let blob: string | null = null;
          if (st.isSymbolicLink()) {
            try {
              const target = readlinkAbs(full);
              blob = target.startsWith(join(this.dir, "blobs") + sep) ? target : null;
            } catch {
              blob = null;
            }
          }
          out.push({ path: relative(root, full).split(sep).join("/"), file: full, blob });
        }
      }
    };
    if (existsSync(root)) walk(root);
    return out;
  }

  snapshots(): string[] {
    const d = join(this.dir, "snapshots");
    return existsSync(d) ? readdirSync(d).filter((n) => !n.startsWith(".")) : [];
  }

  refs(): Record<string, string> {
    const out: Record<string, string> = {};
    const root = join(this.dir, "refs");
    const walk = (d: string, prefix: string) => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
        else out[`${prefix}${name}`] = readFileSync(full, "utf8").trim();
      }
    };
    if (existsSync(root)) walk(root, "");
    return out;
  }
}

function readlinkAbs(p: string): string {
  return join(dirname(p), readlinkSync(p));
}

/** Write to a temporary name in the same folder, then rename: readers see the old or the new file, never half. */
export function atomicWrite(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** Cached model folders (models--*) in a cache dir. */
export function cachedRepos(cacheDir = hubCacheDir()): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir)
    .map((n) => repoFromFolderName(n))
    .filter((r): r is string => r !== null)
    .sort((a, b) => a.localeCompare(b));
}
