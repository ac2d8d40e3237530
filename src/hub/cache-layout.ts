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
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { HubError } from "../errors.js";
import { hubCacheDir } from "./env.js";
import { fsFailure } from "./failures.js";
import { assertInside, filePathProblem, repoIdProblem, resolvesInside, revisionProblem, show } from "./safe-path.js";

export function repoFolderName(repo: string): string {
  return `models--${repo.split("/").join("--")}`;
}

/** models--owner--name → owner/name (null for datasets/spaces, or a folder no valid repo id makes). */
export function repoFromFolderName(folder: string): string | null {
  if (!folder.startsWith("models--")) return null;
  const parts = folder.slice("models--".length).split("--");
  const repo = parts.length >= 2 ? `${parts[0]}/${parts.slice(1).join("--")}` : null;
  return repo && repoIdProblem(repo) === null ? repo : null;
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

/** What the Hub names blobs by: a git blob sha1 (small files) or an LFS sha256. Anything else never becomes a file name. */
export function isBlobEtag(etag: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(etag);
}

/** A snapshot entry: a link into blobs/, a copy (where links fail), or a link that leaves blobs/ or dangles. */
export interface SnapshotEntry {
  path: string;
  file: string;
  /** the blob a link really resolves to, inside blobs/ (null for a copy or a bad link) */
  blob: string | null;
  /** a link that resolves outside blobs/ (or to nothing): never read, only unlinked */
  badLink: "outside" | "dangling" | null;
}

export class RepoCache {
  readonly dir: string;
  constructor(
    readonly repo: string,
    readonly cacheDir = hubCacheDir(),
  ) {
    // every path below is built from these names; callers validate them with a better message first
    const problem = repoIdProblem(repo);
    if (problem) throw new HubError(`${show(repo)} is not a Hub repo id (it ${problem}); use owner/name as on huggingface.co`);
    this.dir = assertInside(cacheDir, join(cacheDir, repoFolderName(repo)), repo);
  }

  /** A path inside the repo's folder: the name is checked, then where it resolves. */
  private inRepo(parts: string[], name: string, what: string): string {
    const problem = filePathProblem(name);
    if (problem) throw new HubError(`refused ${what} ${show(name)} for ${this.repo}: it ${problem}; check HF_ENDPOINT and any proxy, or the catalog entry`);
    return assertInside(this.dir, join(this.dir, ...parts, ...name.split("/")), this.repo, this.cacheDir);
  }
  private checkedCommit(commit: string): string {
    if (!isCommit(commit)) throw new HubError(`refused commit ${show(commit)} for ${this.repo}: not 40 hex digits; check HF_ENDPOINT and any proxy`);
    return commit;
  }
  private checkedEtag(etag: string): string {
    if (!isBlobEtag(etag)) throw new HubError(`refused ETag ${show(etag)} for ${this.repo}: not a sha1 or sha256; check HF_ENDPOINT and any proxy`);
    return etag;
  }

  blob(etag: string): string {
    return this.inRepo(["blobs"], this.checkedEtag(etag), "blob");
  }
  incomplete(etag: string): string {
    return this.inRepo(["blobs"], `${this.checkedEtag(etag)}.incomplete`, "blob");
  }
  snapshotDir(commit: string): string {
    return this.inRepo(["snapshots"], this.checkedCommit(commit), "snapshot");
  }
  snapshotFile(commit: string, path: string): string {
    return this.inRepo(["snapshots", this.checkedCommit(commit)], path, "file name");
  }
  refFile(revision: string): string {
    const problem = revisionProblem(revision);
    if (problem) throw new HubError(`refused revision ${show(revision)} for ${this.repo}: it ${problem}; give a branch, tag or commit`);
    return this.inRepo(["refs"], revision, "revision");
  }
  noExistFile(commit: string, path: string): string {
    return this.inRepo([".no_exist", this.checkedCommit(commit)], path, "file name");
  }
  locksDir(): string {
    return assertInside(join(this.cacheDir, ".locks"), join(this.cacheDir, ".locks", repoFolderName(this.repo)), this.repo, this.cacheDir);
  }
  /** What proper-lockfile locks for a blob: .locks/models--owner--name/{etag} (it adds .nlp.lock). */
  lockTarget(etag: string): string {
    return assertInside(this.locksDir(), join(this.locksDir(), this.checkedEtag(etag)), this.repo, this.cacheDir);
  }

  /** The commit a revision points to in the cache: a commit is itself, a branch or tag reads refs/. */
  commitFor(revision: string): string | null {
    if (isCommit(revision)) return existsSync(this.snapshotDir(revision)) ? revision : null;
    const ref = this.refFile(revision);
    try {
      const c = readFileSync(ref, "utf8").trim();
      return isCommit(c) ? c : null;
    } catch {
      return null;
    }
  }

  /** A file is usable when its snapshot entry resolves to existing bytes (a dangling link is not). */
  hasFile(commit: string, path: string): boolean {
    const file = this.snapshotFile(commit, path);
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Before a snapshot is read as a model: every entry is a copy or a link that
   * really resolves into this repo's blobs/, and the snapshot folder itself is
   * no link out of the repo. Otherwise nothing in it is read.
   */
  assertReadable(commit: string): void {
    const dir = this.snapshotDir(commit);
    if (!resolvesInside(this.dir, dir)) {
      throw new HubError(`${this.repo}: the snapshot folder ${dir} leads outside ${this.dir}; nlp will not read it: remove it (nlp cache rm ${this.repo}) and download again`);
    }
    const bad = this.snapshotFiles(commit).find((f) => f.badLink === "outside");
    if (bad) {
      throw new HubError(
        `${this.repo}: ${show(bad.path)} in snapshot ${commit.slice(0, 10)} links outside the repo's blobs/ (to ${show(safeReadlink(bad.file))}); nlp will not read through it: run \`nlp cache verify --fix\` to remove such links, then retry`,
      );
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
    if (this.knownMissing(commit, path)) return;
    atomicWrite(this.noExistFile(commit, path), "");
  }

  /** Points snapshots/{commit}/{path} at the blob: a relative symlink as huggingface_hub makes, else a copy. */
  linkSnapshot(commit: string, path: string, etag: string): void {
    const dest = this.snapshotFile(commit, path);
    const target = relative(dirname(dest), this.blob(etag));
    // already the right link: nothing is written, so an up-to-date pull works on a read-only (shared) cache
    if (safeReadlink(dest) === target) return;
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    try {
      symlinkSync(target, tmp);
    } catch {
      copyFileSync(this.blob(etag), tmp);
    }
    renameSync(tmp, dest);
  }

  /** Every snapshot entry with the blob it really resolves to (links followed to the end), for reading and `nlp cache list|verify`. */
  snapshotFiles(commit: string): SnapshotEntry[] {
    const root = this.snapshotDir(commit);
    const blobs = join(this.dir, "blobs");
    const out: SnapshotEntry[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        const st = lstatSync(full);
        if (st.isDirectory()) walk(full);
        else {
          let blob: string | null = null;
          let badLink: SnapshotEntry["badLink"] = null;
          if (st.isSymbolicLink()) {
            if (!existsSync(full)) badLink = isInsideLexically(blobs, readlinkAbs(full)) ? "dangling" : "outside";
            else if (resolvesInside(blobs, full)) blob = join(blobs, relative(realpathOr(blobs), realpathOr(full)));
            else badLink = "outside";
          }
          out.push({ path: relative(root, full).split(sep).join("/"), file: full, blob, badLink });
        }
      }
    };
    if (existsSync(root)) walk(root);
    return out;
  }

  snapshots(): string[] {
    const d = join(this.dir, "snapshots");
    // only commit-named folders are snapshots (anything else is not ours to read)
    return existsSync(d) ? readdirSync(d).filter(isCommit) : [];
  }

  refs(): Record<string, string> {
    const out: Record<string, string> = {};
    const root = join(this.dir, "refs");
    // refs are plain files holding a commit: a link (to refs/ itself, to /, to a file elsewhere) is skipped, not
    // walked into or read, and so is a file that holds no commit
    const walk = (d: string, prefix: string) => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        const st = lstatSync(full);
        if (st.isDirectory()) walk(full, `${prefix}${name}/`);
        else if (st.isFile() && st.size <= 4096) {
          const commit = readFileSync(full, "utf8").trim();
          if (isCommit(commit)) out[`${prefix}${name}`] = commit;
        }
      }
    };
    if (existsSync(root)) walk(root, "");
    return out;
  }
}

function readlinkAbs(p: string): string {
  try {
    return resolve(dirname(p), readlinkSync(p));
  } catch {
    return p;
  }
}

function safeReadlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return "?";
  }
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

function isInsideLexically(root: string, target: string): boolean {
  return resolve(target).startsWith(resolve(root) + sep);
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
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch (err) {
    throw fsFailure(err, cacheDir, cacheDir) ?? err;
  }
  return names
    .map((n) => repoFromFolderName(n))
    .filter((r): r is string => r !== null)
    .sort((a, b) => a.localeCompare(b));
}
