/**
 * Whether the first positional of `nlp classify` names a model (when -m is
 * absent). Cheap: a catalog lookup, no file system walk, no network. Bare
 * language codes ("it", "de") are not taken: they are too often words.
 */
import { existsSync } from "node:fs";
import { RepoCache } from "../hub/cache-layout.js";
import { parseHubId, parseRef } from "./grammar.js";
import { loadCatalog, unknownRef } from "./catalog.js";

export function isCatalogOrHubRef(s: string): boolean {
  if (!s || s.length > 200 || /\s/.test(s)) return false;
  const hub = parseHubId(s);
  if (hub) {
    // "n/a", "and/or", "his/her" are texts: a repo id counts when it looks like one
    // (a digit, "-", "_", "." or a capital, as nearly all repo ids have) or is already cached
    if (existsSync(new RepoCache(hub.repo).dir)) return true;
    const [owner, name] = hub.repo.split("/");
    return owner.length >= 2 && name.length >= 2 && /[-_.\dA-Z]/.test(`${owner}${name}`) && !/^[\d/]+$/.test(hub.repo);
  }
  let found;
  try {
    found = loadCatalog().lookup(s);
  } catch {
    return false;
  }
  if (found.kind !== "found") return false;
  const p = parseRef(s);
  return !(found.via === "default" && p.langGiven && !p.actionGiven && p.rest.length === 0);
}

/** Dotted words without spaces ("en.clasify.imdb"), not "e.g." or a sentence. */
const REF_SHAPED = /^[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)+$/u;

/**
 * A first positional shaped like a reference and one typo from one the catalog
 * resolves is a mistyped model, not a text: the usage error (exit 2) names the
 * suggestion, as -m with the same typo does. Undefined when it is a text.
 */
export function mistypedRef(s: string): Error | undefined {
  if (s.length > 100 || !REF_SHAPED.test(s)) return undefined;
  let catalog;
  try {
    catalog = loadCatalog();
  } catch {
    return undefined;
  }
  if (catalog.nearRefs(s).length === 0) return undefined;
  const err = unknownRef(s, catalog);
  err.message = `${err.message.replace(/ \(`nlp models`.*\)$/, "")} (to classify it as a text, name the model with -m)`;
  return err;
}
