/**
 * Where the Hub and the cache are, read from the same environment variables
 * huggingface_hub reads, so Python and nlp share one cache and one login.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { envVar, expandHome } from "../env.js";
import { UsageError } from "../errors.js";

export const DEFAULT_ENDPOINT = "https://huggingface.co";

const env = (name: string): string | undefined => envVar(name);

/** HF_ENDPOINT, without a trailing slash; a value that is no http(s) URL is a usage error naming it. */
export function hubEndpoint(): string {
  const value = env("HF_ENDPOINT") ?? DEFAULT_ENDPOINT;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // not a URL at all
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new UsageError(`HF_ENDPOINT "${value}" is not an http(s) URL; set it to the Hub or a mirror (e.g. ${DEFAULT_ENDPOINT}), or unset it`);
  }
  // they would end up in error messages and logs, and nlp never sends them: the Hub's key is HF_TOKEN
  if (url.username || url.password) {
    throw new UsageError("HF_ENDPOINT carries a user name or password; remove them from the URL (nlp sends HF_TOKEN as the Hub's bearer token)");
  }
  return value.replace(/\/+$/, "");
}

/** HF_HOME, default ~/.cache/huggingface (XDG_CACHE_HOME respected as huggingface_hub does). */
export function hfHome(): string {
  const home = env("HF_HOME");
  if (home) return expandHome(home);
  const xdg = env("XDG_CACHE_HOME");
  return join(xdg ? expandHome(xdg) : join(homedir(), ".cache"), "huggingface");
}

/** HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), default $HF_HOME/hub. */
export function hubCacheDir(): string {
  const dir = env("HF_HUB_CACHE") ?? env("HUGGINGFACE_HUB_CACHE");
  return dir ? expandHome(dir) : join(hfHome(), "hub");
}

/**
 * HF_TOKEN, else the token `huggingface-cli login` saved ($HF_TOKEN_PATH or
 * $HF_HOME/token). Never printed: callers only put it in an Authorization header.
 */
export function hubToken(): string | undefined {
  const name = env("HF_TOKEN") ? "HF_TOKEN" : env("HUGGING_FACE_HUB_TOKEN") ? "HUGGING_FACE_HUB_TOKEN" : undefined;
  if (name) return cleanToken(env(name)!, name);
  const path = env("HF_TOKEN_PATH") ?? join(hfHome(), "token");
  try {
    if (existsSync(path)) return cleanToken(readFileSync(path, "utf8"), path) || undefined;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // an unreadable token file is the same as none
  }
  return undefined;
}

/**
 * As huggingface_hub's _clean_token: line breaks dropped, blanks trimmed. What is left must be a header value a
 * token can be (printable ASCII): else a usage error naming where it came from, never the token itself.
 */
function cleanToken(raw: string, from: string): string {
  const token = raw.replace(/[\r\n]/g, "").trim();
  if (/[^\x21-\x7e]/.test(token)) {
    throw new UsageError(`the token in ${from} has a character no Hugging Face token has (a blank, control character or non-ASCII letter); copy it again from https://huggingface.co/settings/tokens`);
  }
  return token;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/** HF_HUB_OFFLINE=1: cache only. */
export function offlineFromEnv(): boolean {
  return TRUE.has((env("HF_HUB_OFFLINE") ?? "").toLowerCase());
}

function seconds(name: string, fallback: number): number {
  const v = Number(env(name));
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback;
}

/** How long a download may receive nothing before it is cut and resumed (HF_HUB_DOWNLOAD_TIMEOUT, s). */
export function stallTimeoutMs(): number {
  return seconds("HF_HUB_DOWNLOAD_TIMEOUT", 30_000);
}

/** How long to wait for a response's headers (HF_HUB_ETAG_TIMEOUT, s). */
export function headersTimeoutMs(): number {
  return seconds("HF_HUB_ETAG_TIMEOUT", 30_000);
}

/** Attempts per request on 5xx, cut connections and stalls (NLP_HUB_RETRIES). */
export function maxAttempts(): number {
  const v = Number(env("NLP_HUB_RETRIES"));
  return Number.isInteger(v) && v >= 0 ? v + 1 : 6;
}
