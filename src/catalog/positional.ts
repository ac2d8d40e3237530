/**
 * Whether the first positional of `nlp classify` names a model (when -m is
 * absent). Cheap: a catalog lookup, no file system walk, no network. Bare
 * language codes ("it", "de") are not taken: they are too often words.
 */
import { loadCatalog } from "./catalog.js";
import { parseHubId, parseRef } from "./grammar.js";

export function isCatalogOrHubRef(s: string): boolean {
  if (!s || s.length > 200 || /\s/.test(s)) return false;
  const hub = parseHubId(s);
  if (hub) {
    const [owner, name] = hub.repo.split("/");
    // "n/a", "24/7" are texts, not repos
    return owner.length >= 2 && name.length >= 2 && !/^\d+$/.test(owner) && !/^\d+$/.test(name);
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
