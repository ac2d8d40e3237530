/**
 * The model catalog: models.json shipped with the package plus the user's
 * own entries (nlp import), indexed by the reference grammar. Lookups never
 * touch the network.
 */
import { readFileSync, statSync } from "node:fs";
import { NlpError, UsageError } from "../errors.js";
import { TASK_WORDS, canonicalKey, defaultRequest, looseKey, normalizeRef, parseHubId, parseRef } from "./grammar.js";
import { catalogProblems, type CatalogEntry, type CatalogFile } from "./schema.js";
import { editDistance, suggest } from "./suggest.js";
import { userCatalogPath } from "./user-path.js";

export type Origin = "builtin" | "user";

export interface Found {
  kind: "found";
  entry: CatalogEntry;
  origin: Origin;
  /** how the reference matched */
  via: "ref" | "alias" | "order" | "partial" | "default" | "repo";
  /** a revision the reference itself pinned (owner/name@rev) */
  revision?: string;
}
export type LookupResult = Found | { kind: "ambiguous"; candidates: string[] } | { kind: "unknown" };

export const BUILTIN_CATALOG = new URL("../../models.json", import.meta.url);

export function readCatalogFile(path: string | URL, what: string, user: boolean): CatalogFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new NlpError(`${what} ${String(path)} is not valid JSON (${(err as Error).message}); fix it or delete it`);
  }
  const problems = catalogProblems(data, { user });
  if (problems.length > 0) {
    throw new NlpError(`${what} ${String(path)} is invalid: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ""}`);
  }
  return data as CatalogFile;
}

export class Catalog {
  private readonly byKey = new Map<string, { entry: CatalogEntry; origin: Origin; alias: boolean }>();
  private readonly byLoose = new Map<string, Set<CatalogEntry>>();
  private readonly repos = new Map<string, CatalogEntry>();
  private readonly origins = new Map<CatalogEntry, Origin>();
  readonly entries: CatalogEntry[];
  readonly defaults: Record<string, Record<string, string>>;

  constructor(
    builtin: CatalogFile,
    user: CatalogFile = { version: 1, models: [] },
  ) {
    this.defaults = builtin.defaults ?? {};
    // user entries shadow built-in ones with the same name
    this.entries = [...user.models, ...builtin.models.filter((b) => !user.models.some((u) => canonicalKey(u.ref) === canonicalKey(b.ref)))];
    for (const e of user.models) this.origins.set(e, "user");
    for (const e of builtin.models) if (!this.origins.has(e)) this.origins.set(e, "builtin");
    for (const e of [...this.entries].reverse()) {
      const origin = this.originOf(e);
      for (const [name, alias] of [[e.ref, false] as const, ...e.aliases.map((a) => [a, true] as const)]) {
        this.byKey.set(canonicalKey(name), { entry: e, origin, alias });
        const lk = looseKey(name);
        if (!this.byLoose.has(lk)) this.byLoose.set(lk, new Set());
        this.byLoose.get(lk)!.add(e);
      }
      if (e.source === "hub" && e.repo && !e.stands_in_for) this.repos.set(e.repo.toLowerCase(), e);
    }
  }

  originOf(e: CatalogEntry): Origin {
    return this.origins.get(e) ?? "builtin";
  }

  get(ref: string): CatalogEntry | undefined {
    return this.entries.find((e) => e.ref === ref);
  }

  /** The catalog entry describing a Hub repo, if any. */
  byRepo(repo: string): CatalogEntry | undefined {
    return this.repos.get(repo.toLowerCase());
  }

  /** The default model for a task in a language (see README: rule for defaults). */
  defaultFor(task: string, lang: string): CatalogEntry | undefined {
    const d = this.defaults[task] ?? {};
    if (d[lang]) return this.get(d[lang]);
    const builtin = this.entries.filter((e) => this.originOf(e) === "builtin" && e.task === task && e.confidence !== "D");
    const speaking = builtin.find((e) => e.languages.includes(lang));
    if (speaking) return speaking;
    const many = d.xx ? this.get(d.xx) : undefined;
    if (many?.languages.includes("xx")) return many;
    return builtin.find((e) => e.languages.length === 1 && e.languages[0] === "xx");
  }

  lookup(ref: string): LookupResult {
    const trimmed = ref.trim();
    if (trimmed.includes("/")) {
      const hub = parseHubId(trimmed);
      const entry = hub ? this.byRepo(hub.repo) : undefined;
      return entry ? { kind: "found", entry, origin: this.originOf(entry), via: "repo", revision: hub!.revision } : { kind: "unknown" };
    }
    if (!normalizeRef(trimmed)) return { kind: "unknown" };
    const exact = this.byKey.get(canonicalKey(trimmed));
    if (exact) return { kind: "found", entry: exact.entry, origin: exact.origin, via: exact.alias ? "alias" : "ref" };
    const loose = this.byLoose.get(looseKey(trimmed));
    if (loose && loose.size === 1) {
      const [entry] = loose;
      return { kind: "found", entry, origin: this.originOf(entry), via: "order" };
    }
    const wanted = defaultRequest(trimmed);
    if (wanted) {
      const entry = this.defaultFor(wanted.task, wanted.lang);
      if (entry) return { kind: "found", entry, origin: this.originOf(entry), via: "default" };
      return { kind: "unknown" };
    }
    // a shorter reference that fits exactly one entry: en.classify.twitter_sentiment, fr.classify.camembert
    const p = parseRef(trimmed);
    if (p.rest.length > 0) {
      const fitting = (anyLang: boolean) =>
        this.entries.filter((e) => {
          const q = parseRef(e.ref);
          return (anyLang || q.lang === p.lang) && q.action === p.action && p.rest.every((t) => q.rest.includes(t));
        });
      let fits = fitting(false);
      // no language written and no English model: any language will do ("xlmr.toxicity")
      if (fits.length === 0 && !p.langGiven) fits = fitting(true);
      if (fits.length === 1) return { kind: "found", entry: fits[0], origin: this.originOf(fits[0]), via: "partial" };
      if (fits.length > 1) return { kind: "ambiguous", candidates: fits.map((e) => e.ref) };
    }
    return { kind: "unknown" };
  }

  /** Every name a user could type, for "did you mean". */
  names(): string[] {
    return [...this.entries.flatMap((e) => [e.ref, ...e.aliases]), ...Object.keys(this.defaults), ...Object.keys(TASK_WORDS).filter((w) => !w.includes("_"))];
  }

  /**
   * References one typo away from `typed` that the catalog resolves: a name
   * one edit away, or one dotted part fixed ("en.clasify.imdb" → en.classify.imdb,
   * which resolves as a shorter reference though no entry spells it so).
   */
  nearRefs(typed: string): string[] {
    const t = typed.trim().toLowerCase();
    const names = this.names();
    const out = new Set(names.filter((n) => editDistance(t, n.toLowerCase()) === 1));
    const parts = t.split(".");
    const words = new Set(names.flatMap((n) => n.toLowerCase().split(".")));
    parts.forEach((part, i) => {
      if (words.has(part)) return;
      for (const w of words) {
        if (editDistance(part, w) !== 1) continue;
        const fixed = [...parts.slice(0, i), w, ...parts.slice(i + 1)].join(".");
        if (this.lookup(fixed).kind === "found") out.add(fixed);
      }
    });
    return [...out];
  }

  /** What to suggest for a reference that is not found: the references one typo away, else the closest names. */
  didYouMean(typed: string): string[] {
    const near = this.nearRefs(typed);
    return near.length > 0 ? near.slice(0, 3) : suggest(typed, this.names());
  }

  /** lookup(), or a usage error with "did you mean …" (exit 2). */
  require(ref: string): Found {
    const r = this.lookup(ref);
    if (r.kind === "found") return r;
    if (r.kind === "ambiguous") {
      const shown = r.candidates.slice(0, 6).join(", ");
      throw new UsageError(`"${ref}" matches ${r.candidates.length} models: ${shown}${r.candidates.length > 6 ? ", …" : ""}; name one (see \`nlp models ${ref}\`)`);
    }
    throw unknownRef(ref, this);
  }
}

export function unknownRef(ref: string, catalog: Catalog): UsageError {
  const wanted = defaultRequest(ref);
  if (wanted) {
    return new UsageError(
      `no ${wanted.task} model for language "${wanted.lang}" in the catalog; see \`nlp models --task ${wanted.task}\` and name one`,
    );
  }
  const near = catalog.didYouMean(ref);
  const hint = near.length > 0 ? `; did you mean ${near.length === 1 ? near[0] : `${near.slice(0, -1).join(", ")} or ${near[near.length - 1]}`}?` : "";
  return new UsageError(
    `unknown model "${ref}"${hint} (\`nlp models\` lists the catalog; a folder path or an owner/name Hub id also works)`,
  );
}

let cached: { key: string; catalog: Catalog } | undefined;

/** The built-in catalog plus the user's, re-read when the user's file changes. */
export function loadCatalog(): Catalog {
  const userPath = userCatalogPath();
  let mtime = 0;
  try {
    mtime = statSync(userPath).mtimeMs;
  } catch {
    mtime = 0;
  }
  const key = `${userPath}:${mtime}`;
  if (cached?.key === key) return cached.catalog;
  const builtin = readCatalogFile(BUILTIN_CATALOG, "the built-in catalog", false);
  const user = mtime ? readCatalogFile(userPath, "your model catalog", true) : undefined;
  const catalog = new Catalog(builtin, user);
  cached = { key, catalog };
  return catalog;
}

/** Library API: the catalog entry a reference names (ref, alias, default, Hub id), or undefined. */
export function findEntry(ref: string): CatalogEntry | undefined {
  const r = loadCatalog().lookup(ref);
  return r.kind === "found" ? r.entry : undefined;
}

/** Library API: the default entry for a task ("sentiment", "zero-shot", …) in a language. */
export function defaultEntry(task: string, lang = "en"): CatalogEntry | undefined {
  return loadCatalog().defaultFor(task, lang);
}

/** Library API: every entry (user entries first), optionally filtered. */
export function listEntries(filter: { task?: string; lang?: string } = {}): CatalogEntry[] {
  return loadCatalog().entries.filter(
    (e) => (!filter.task || e.task === filter.task) && (!filter.lang || e.languages.includes(filter.lang) || e.languages.includes("xx")),
  );
}
