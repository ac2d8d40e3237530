/**
 * What the cache holds for a revision, read from disk only. Kept apart from
 * snapshot.ts (downloads) so `nlp models` and `nlp info`, which only look at the
 * cache, load no HTTP client (undici) and no lock (proper-lockfile).
 */
import { RepoCache } from "./cache-layout.js";
import { requireRevision } from "./safe-path.js";
import { variantsIn } from "./file-plan.js";

/** Which files to fetch: required ones in order (the ONNX graph last), optional ones after. */
export interface FilePlan {
  required: string[];
  optional: string[];
}

/** A fixed plan (catalog layout), or one chosen from the repo's file list (any Hub repo). */
export type PlanSource =
  | { kind: "fixed"; plan: FilePlan }
  | { kind: "listed"; choose: (files: string[]) => FilePlan; fromSnapshot: (dir: string) => FilePlan | null };

function missingFiles(cache: RepoCache, commit: string | null, plan: FilePlan): string[] {
  if (!commit) return [...plan.required, ...plan.optional];
  return [
    ...plan.required.filter((p) => !cache.hasFile(commit, p)),
    ...plan.optional.filter((p) => !cache.hasFile(commit, p) && !cache.knownMissing(commit, p)),
  ];
}

/** What a snapshot (often one Python wrote, with PyTorch weights only) lacks to be a bundle: only what really is missing is named. */
function missingFromSnapshot(cache: RepoCache, commit: string): string[] {
  const files = cache.snapshotFiles(commit).filter((f) => !f.badLink && cache.hasFile(commit, f.path)).map((f) => f.path);
  const has = (name: string) => files.includes(name) || files.includes(`onnx/${name}`);
  const missing = ["config.json", "tokenizer.json"].filter((n) => !has(n));
  if (variantsIn(files).length === 0) missing.push("an .onnx file");
  return missing.length > 0 ? missing : ["the .onnx file of the variant asked for"];
}

/** What the cache holds for this revision, without any request; a snapshot found is one safe to read (see assertReadable). */
export function cachedSnapshot(repo: string, revision: string, source: PlanSource): { commit: string; plan: FilePlan } | { missing: string[] } {
  requireRevision(revision);
  const cache = new RepoCache(repo);
  const commit = cache.commitFor(revision);
  let hit: { commit: string; plan: FilePlan } | { missing: string[] };
  if (source.kind === "fixed") {
    const missing = missingFiles(cache, commit, source.plan);
    hit = commit && missing.length === 0 ? { commit, plan: source.plan } : { missing };
  } else {
    const plan = commit ? source.fromSnapshot(cache.snapshotDir(commit)) : null;
    hit = commit && plan ? { commit, plan } : { missing: commit ? missingFromSnapshot(cache, commit) : ["config.json", "tokenizer.json", "an .onnx file"] };
  }
  if ("commit" in hit) cache.assertReadable(hit.commit);
  return hit;
}
