/** Whether a catalog entry (or a Hub repo) is on disk and usable offline, without any request. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RepoCache } from "../hub/cache-layout.js";
import { cachedSnapshot } from "../hub/cached-snapshot.js";
import { chooseVariant, embeddedRoot, planSource } from "./materialize.js";
import type { CatalogEntry } from "./schema.js";

export interface EntryStatus {
  /** everything the variant needs is on disk */
  ready: boolean;
  /** the folder holding the bundle (when ready) */
  dir?: string;
  commit?: string;
  variant?: string;
  /** files still to download */
  missing: string[];
  /** where it lives: "package", "folder" or "cache" */
  where: "package" | "folder" | "cache";
}

export function entryStatus(entry: CatalogEntry, variant?: string, revision?: string): EntryStatus {
  const v = chooseVariant(entry, variant);
  if (entry.source === "embedded") {
    const dir = join(embeddedRoot(), entry.path!);
    const ready = existsSync(dir);
    return { ready, dir, variant: v, missing: ready ? [] : [dir], where: "package" };
  }
  if (entry.source === "local") {
    const dir = entry.path!;
    const ready = existsSync(dir);
    return { ready, dir, variant: v, missing: ready ? [] : [dir], where: "folder" };
  }
  return repoStatus(entry.repo!, revision ?? entry.revision ?? "main", entry, v);
}

export function repoStatus(repo: string, revision: string, entry: CatalogEntry | undefined, variant: string | undefined): EntryStatus {
  const hit = cachedSnapshot(repo, revision, planSource(repo, entry, variant));
  if ("commit" in hit) return { ready: true, dir: new RepoCache(repo).snapshotDir(hit.commit), commit: hit.commit, variant, missing: [], where: "cache" };
  return { ready: false, variant, missing: hit.missing, where: "cache" };
}
