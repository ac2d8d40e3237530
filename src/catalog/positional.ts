/**
 * Whether the first positional of `nlp classify` names a model (when -m is
 * absent). Cheap: a catalog lookup, no file system walk, no network. Bare
 * language codes ("it", "de") are not taken: they are too often words.
 */
import { existsSync } from "node:fs";
import { RepoCache } from "../hub/cache-layout.js";
import { loadCatalog } from "./catalog.js";
import { parseHubId, parseRef } from "./grammar.js";

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
