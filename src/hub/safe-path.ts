/**
 * The one place that decides whether a name may become part of a path in the
 * cache: repo-relative file names (from a repo listing, the catalog, a
 * header), repo ids and revisions; and the final "is it really inside this
 * folder" check run before every write, link, rename and delete.
 *
 * Hand-written rather than a sanitizing library: we must refuse, not rewrite,
 * and the rules mirror huggingface_hub (validate_repo_id) and git's ref names.
 */
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { HubError, UsageError } from "../errors.js";

/** C0/C1 controls (NUL included) and the Unicode line separators: none belongs in a name, all break a one-line message. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

function plainPathProblem(p: string): string | null {
  if (p.length === 0) return "is empty";
  if (CONTROL.test(p)) return "has a control character";
  if (p.includes("\\")) return "has a backslash";
  if (p.startsWith("/")) return "is an absolute path";
  if (/^[A-Za-z]:/.test(p)) return "starts with a drive letter";
  for (const seg of p.split("/")) {
    if (seg === "") return "has an empty segment";
    if (seg === "." || seg === "..") return `has a "${seg}" segment`;
    // "..." and the like: Windows strips trailing dots, so a dots-only name is never a real file name
    if (/^\.+$/.test(seg)) return "has a segment made only of dots";
    // file systems stop at 255 bytes a name; the cache adds a temporary suffix (".tmp-<pid>") while linking
    if (Buffer.byteLength(seg) > MAX_SEGMENT_BYTES) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  return null;
}

const MAX_SEGMENT_BYTES = 230;

/**
 * Decodes %00-%7F only: every character the rules care about is ASCII, and a
 * malformed escape elsewhere ("100%") must not hide a "%2e%2e" next to it.
 */
function decodeAscii(p: string): string {
  return p.replace(/%([0-7][0-9a-fA-F])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Why a repo-relative file name ("onnx/model.onnx") cannot be used, or null.
 * Also refuses anything that percent-decodes (once or more) to a bad name, so
 * a proxy or server that decodes it later cannot turn it into a traversal.
 */
export function filePathProblem(p: string): string | null {
  let cur = p;
  for (let depth = 0; depth < 4; depth++) {
    const problem = plainPathProblem(cur);
    if (problem) return depth === 0 ? problem : `percent-decodes to a name that ${problem}`;
    // %c0/%c1 start overlong UTF-8 forms of "." and "/" that lax decoders accept
    if (/%c[01]/i.test(cur)) return "has an overlong UTF-8 escape";
    const next = decodeAscii(cur);
    if (next === cur) return null;
    cur = next;
  }
  return "is percent-encoded too many times";
}

/**
 * huggingface_hub's validate_repo_id, exactly: "name" or "namespace/name", ASCII
 * letters, digits, "_", "-", "."; each part starts and ends with a letter,
 * digit or "_"; the name ≤ 96 characters; no "--" or ".."; not ending ".git".
 */
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

export function repoIdProblem(id: string): string | null {
  const parts = id.split("/");
  if (parts.length > 2) return 'has more than one "/" (use owner/name)';
  const name = parts[parts.length - 1];
  if (!parts.every((s) => REPO_PART.test(s)) || name.length > 96) {
    return 'must use letters, digits, "-", "_" or "." and start and end with a letter, digit or "_" (name ≤ 96 characters)';
  }
  if (id.includes("--") || id.includes("..")) return 'has "--" or ".."';
  if (id.endsWith(".git")) return 'ends with ".git"';
  return null;
}

/**
 * A branch, tag or commit: what git accepts as a ref name (the Hub's revisions
 * are git refs, such as main, v1.0 or refs/pr/1), which also keeps refs/{revision}
 * inside the cache.
 */
export function revisionProblem(rev: string): string | null {
  if (rev.length > 255) return "is longer than 255 characters";
  const path = filePathProblem(rev);
  if (path) return path;
  if (/[\s~^:?*[]/.test(rev)) return "has a character git does not allow in a branch or tag (blank ~ ^ : ? * [)";
  if (rev.split("/").some((s) => s.startsWith(".") || s.endsWith(".lock"))) return 'has a part starting with "." or ending with ".lock"';
  if (rev.endsWith(".") || rev.includes("@{") || rev === "@") return 'ends with "." or contains "@{"';
  return null;
}

/** A revision given by the user or the catalog: a usage error when it cannot be one. */
export function requireRevision(rev: string): void {
  const problem = revisionProblem(rev);
  if (problem) throw new UsageError(`${show(rev)} is not a revision (it ${problem}); give a branch, tag or commit, e.g. main`);
}

/** A name quoted for a one-line message: escapes control characters, cuts long ones. */
export function show(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name).replace(/[\u2028\u2029\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The refusal of something a Hub (or whatever answers at HF_ENDPOINT) sent: names the repo, the name and what to check. */
export function refusedFromHub(repo: string, endpoint: string, what: string, name: string, problem: string): HubError {
  return new HubError(
    `refused ${what} ${show(name)} (${repo}, from ${hostOf(endpoint)}): it ${problem}; a genuine Hub never sends this: check HF_ENDPOINT (${endpoint}) and any proxy in between (HTTPS_PROXY)`,
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The path with its existing part replaced by where it really is (links followed), the rest appended. */
function realish(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    let exists = false;
    try {
      lstatSync(cur);
      exists = true;
    } catch {
      exists = false;
    }
    if (exists) {
      try {
        return join(realpathSync(cur), ...rest.reverse());
      } catch {
        // a dangling link on the way: the lexical path is all we have
        return abs;
      }
    }
    const up = dirname(cur);
    if (up === cur) return abs;
    rest.push(basename(cur));
    cur = up;
  }
}

function lexicallyInside(root: string, target: string): boolean {
  const r = resolve(root);
  return resolve(target).startsWith(r.endsWith(sep) ? r : r + sep);
}

/**
 * Whether `target` lies strictly inside `root` after path.resolve, and its
 * folder, with every link on the way followed, lies inside `trusted` (by
 * default `root`; the cache folder for paths inside one repo) resolved the
 * same way: a linked folder cannot redirect a write. The target itself is not
 * followed: writes replace it by rename and deletes remove the link, never
 * what it points to.
 */
export function isInside(root: string, target: string, trusted = root): boolean {
  if (!lexicallyInside(root, target)) return false;
  return lexicallyInside(realish(trusted), join(realish(dirname(target)), basename(target)));
}

/** Whether a link (or file) really resolves to something inside `root`, following every link. */
export function resolvesInside(root: string, target: string): boolean {
  if (!existsSync(target)) return false;
  try {
    return lexicallyInside(realpathSync(root), realpathSync(target));
  } catch {
    return false;
  }
}

/** The last check before touching `target` for `repo`: throws unless it is inside `root`. */
export function assertInside(root: string, target: string, repo: string, trusted = root): string {
  if (!isInside(root, target, trusted)) {
    throw new HubError(
      `refused to touch ${show(target)} for ${repo}: it lies outside ${root} once ".." and links are resolved; nothing was written there: check HF_ENDPOINT and any proxy, or the catalog entry`,
    );
  }
  return target;
}

/** The path part of a raw URL reference, before any resolution (which would silently remove ".." segments). */
function rawPathOf(ref: string): string {
  let rest = ref;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? "" : rest.slice(2 + end);
  }
  const q = rest.search(/[?#]/);
  return q < 0 ? rest : rest.slice(0, q);
}

/**
 * Why a redirect's Location cannot be followed, or null. `from` is the URL
 * that answered; `hubOrigin` and `repo` let a redirect within the Hub be
 * checked as what it may only be: the same request for a renamed repo.
 */
export function redirectProblem(location: string, from: string, hubOrigin: string, repo?: string): string | null {
  if (CONTROL.test(location) || /\s/.test(location)) return "has a control character or blank";
  if (location.includes("\\")) return "has a backslash";
  for (const seg of rawPathOf(location).split("/")) {
    const d = decodeAscii(decodeAscii(seg));
    if (d === "." || d === "..") return 'has a "." or ".." path segment';
  }
  let next: URL;
  let prev: URL;
  try {
    next = new URL(location, from);
    prev = new URL(from);
  } catch {
    return "is not a URL";
  }
  if (next.protocol !== "https:" && next.protocol !== "http:") return `uses ${next.protocol} (only http and https are followed)`;
  if (prev.protocol === "https:" && next.protocol === "http:") return "downgrades https to http";
  if (next.username || next.password) return "carries a user name or password";
  if (repo && prev.origin === hubOrigin && next.origin === hubOrigin) {
    // within the Hub only two redirects are followed: the same path with another valid owner/name in place of
    // this one (a renamed repo), and the Hub's cache of a small file at a commit (see resolveCacheProblem)
    const at = prev.pathname.indexOf(`/${repo}/`);
    const head = at < 0 ? "" : prev.pathname.slice(0, at + 1);
    const tail = at < 0 ? "" : prev.pathname.slice(at + repo.length + 1);
    const p = next.pathname;
    const middle = p.startsWith(head) && p.endsWith(tail) ? p.slice(head.length, p.length - tail.length) : "";
    const renamed = at >= 0 && middle.includes("/") && repoIdProblem(decodeAscii(middle)) === null;
    if (!renamed && (at < 0 || !isResolveCache(head, tail, p))) {
      return `points to ${next.pathname} on the Hub, not to the same file of a renamed repo or the Hub's resolve-cache of it`;
    }
  }
  return null;
}

/**
 * Since 2025 the Hub answers /{repo}/resolve/{rev}/{file} for a small file with a redirect to
 * /api/resolve-cache/models/{repo}/{commit}/{file} (huggingface_hub follows it, as every relative redirect),
 * a nested name as one segment with its slashes encoded (1_Pooling%2Fconfig.json): followed when it names a
 * valid repo id, a 40-hex commit and the very file asked for, in either form. The cache path comes from the
 * name asked for, never from this URL.
 */
function isResolveCache(head: string, tail: string, next: string): boolean {
  const file = /^\/resolve\/[^/]+\/(.+)$/.exec(tail)?.[1];
  const prefix = `${head}api/resolve-cache/models/`;
  if (!file || !next.startsWith(prefix)) return false;
  const segments = next.slice(prefix.length).split("/");
  const asked = decodeAscii(file);
  for (const fileSegments of new Set([file.split("/").length, 1])) {
    if (segments.length < fileSegments + 2) continue;
    if (decodeAscii(segments.slice(-fileSegments).join("/")) !== asked) continue;
    const middle = segments.slice(0, -fileSegments);
    const commit = middle.pop() ?? "";
    if (/^[0-9a-f]{40}$/.test(commit) && repoIdProblem(decodeAscii(middle.join("/"))) === null) return true;
  }
  return false;
}
