/**
 * From a catalog entry or a Hub id to a folder on disk: embedded models from
 * the package, imported ones from where they were, Hub models from the cache
 * (downloading what the chosen variant needs when it is missing).
 */
import { existsSync, statSync } from "node:fs";
import { expandHome } from "../env.js";
import { isAbsolute, join } from "node:path";
import { BundleError, UsageError } from "../errors.js";
import { DEFAULT_ORDER, normalizeVariant } from "../model/bundle.js";
import type { ResolveOptions, ResolvedModel } from "../model/resolver.js";
import type { FilePlan, PlanSource } from "../hub/cached-snapshot.js";
import type { EnsureOptions, SnapshotResult } from "../hub/snapshot.js";
import { planFromListing, planFromSnapshot } from "../hub/file-plan.js";
import { loadCatalog, type Found } from "./catalog.js";
import { embeddedRoot } from "./default-model.js";
import { parseHubId } from "./grammar.js";
import type { CatalogEntry } from "./schema.js";

export { embeddedRoot } from "./default-model.js";

/** The variant to fetch for an entry: the one asked for (if published), else the preferred one it has. */
export function chooseVariant(entry: CatalogEntry, requested?: string): string | undefined {
  const variants = entry.variants ?? {};
  if (requested) {
    const v = normalizeVariant(requested);
    if (entry.files !== "auto" && entry.source !== "local" && !variants[v]) {
      throw new UsageError(`${entry.ref} has no ${v} variant; available: ${Object.keys(variants).join(", ")} (--variant)`);
    }
    return v;
  }
  return DEFAULT_ORDER.find((v) => variants[v]);
}

export function planForEntry(entry: CatalogEntry, variant: string): FilePlan {
  const files = entry.files === "auto" || !entry.files ? [] : entry.files;
  return { required: [...files, ...(entry.variants?.[variant] ?? [])], optional: entry.optional_files ?? [] };
}

/** How to get a Hub entry's (or an unknown repo's) files for a variant. */
export function planSource(repo: string, entry: CatalogEntry | undefined, variant: string | undefined): PlanSource {
  if (entry && entry.files !== "auto" && variant) return { kind: "fixed", plan: planForEntry(entry, variant) };
  return {
    kind: "listed",
    choose: (files) => planFromListing(repo, files, variant),
    fromSnapshot: (dir) => planFromSnapshot(dir, variant),
  };
}

export interface EntryResolveOptions extends ResolveOptions {
  /** ask the Hub even when cached (nlp pull) */
  refresh?: boolean;
}

export interface EntryResolution extends ResolvedModel {
  entry?: CatalogEntry;
  snapshot?: SnapshotResult;
}

/** The cache, else the Hub; snapshot.ts is imported only here, so `nlp models`/`nlp info`, which use this module's plans, load no HTTP client. */
async function snapshotFor(repo: string, source: PlanSource, opts: EntryResolveOptions, revision: string, label: string): Promise<SnapshotResult> {
  const { ensureSnapshot } = await import("../hub/snapshot.js");
  const ensure: EnsureOptions = { revision, offline: opts.offline, offlineReason: opts.offlineReason, refresh: opts.refresh, progress: opts.progress, log: opts.log, label };
  return ensureSnapshot(repo, source, ensure);
}

/** The revision a reference pinned (owner/name@rev) or the one asked for separately: both, when they differ, is a usage error rather than a silent pick. */
export function pinnedRevision(ref: string, pinned: string | undefined, asked: string | undefined): string | undefined {
  if (pinned !== undefined && asked !== undefined && pinned !== asked) {
    throw new UsageError(`${ref} pins revision "${pinned}" but \`revision\` asks for "${asked}": give only one`, { option: "revision" });
  }
  return asked ?? pinned;
}

/** A revision asked for a model that has none (shipped in the package, imported) is a usage error, not ignored. */
export function requireHubForRevision(entry: CatalogEntry, ref: string, revision: string | undefined): void {
  if (entry.source !== "hub" && revision !== undefined) {
    throw new UsageError(`${ref} is ${entry.source === "embedded" ? "shipped inside the package" : "an imported folder"}, not a Hub model: it has no \`revision\`; drop it`, { option: "revision" });
  }
}

export async function resolveEntry(found: Pick<Found, "entry" | "revision" | "via">, ref: string, opts: EntryResolveOptions = {}): Promise<EntryResolution> {
  const { entry } = found;
  const variant = chooseVariant(entry, opts.variant);
  const labels = entry.labels ?? undefined;
  const details = { catalogRef: entry.ref, via: found.via };
  requireHubForRevision(entry, ref, opts.revision);
  if (entry.source === "embedded") {
    const dir = join(embeddedRoot(), entry.path!);
    if (!existsSync(dir)) throw new BundleError(`the embedded model ${entry.ref} is missing from ${dir}; reinstall nlp-classify`);
    return { dir, ref, source: "embedded", variant, labels, entry, details };
  }
  if (entry.source === "local") {
    const dir = entry.path!;
    if (!existsSync(dir)) {
      throw new BundleError(`${entry.ref} was imported from ${dir}, which no longer exists; import it again (nlp import <folder> --as ${entry.ref})`);
    }
    return { dir, ref, source: "user", variant, labels, entry, details };
  }
  const repo = entry.repo!;
  const revision = pinnedRevision(ref, found.revision, opts.revision) ?? entry.revision ?? "main";
  const snapshot = await snapshotFor(repo, planSource(repo, entry, variant), opts, revision, ref);
  return {
    dir: snapshot.dir,
    ref,
    source: "catalog",
    variant,
    labels,
    entry,
    snapshot,
    details: { ...details, repo, revision, commit: snapshot.commit },
  };
}

/** An owner/name[@revision] the catalog does not describe. */
export async function resolveHubRepo(repo: string, revision: string, ref: string, opts: EntryResolveOptions = {}): Promise<EntryResolution> {
  const variant = opts.variant ? normalizeVariant(opts.variant) : undefined;
  const snapshot = await snapshotFor(repo, planSource(repo, undefined, variant), opts, revision, ref);
  return { dir: snapshot.dir, ref, source: "hub", variant, snapshot, details: { repo, revision, commit: snapshot.commit } };
}

function isFolder(path: string): boolean {
  try {
    return statSync(expandHome(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Catalog refs, aliases, defaults and Hub ids; an unknown name is a usage error with suggestions. */
export async function resolveReference(ref: string, opts: EntryResolveOptions = {}): Promise<EntryResolution> {
  const catalog = loadCatalog();
  const hub = parseHubId(ref);
  if (hub) {
    const entry = catalog.byRepo(hub.repo);
    if (entry) return resolveEntry({ entry, revision: hub.revision, via: "repo" }, ref, opts);
    return resolveHubRepo(hub.repo, pinnedRevision(ref, hub.revision, opts.revision) ?? "main", ref, opts);
  }
  if (ref.includes("/") || isAbsolute(ref)) {
    // `nlp pull ./bundle`, `nlp cache path ./bundle`: the folder is there, only it is no Hub model
    if (isFolder(ref)) throw new UsageError(`${ref} is a folder on disk, not a Hub model or catalog reference: use it as it is (-m ${ref}), or give it a name with \`nlp import\``);
    throw new UsageError(`"${ref}" is neither a folder here nor an owner/name Hub id`);
  }
  const found = catalog.require(ref);
  return resolveEntry(found, ref, opts);
}

/** The resolver registered in the chain (after local folders). */
export async function catalogResolver(ref: string, opts: ResolveOptions): Promise<ResolvedModel | null> {
  const r = await resolveReference(ref, opts);
  const { entry: _e, snapshot: _s, ...resolved } = r;
  return resolved;
}
