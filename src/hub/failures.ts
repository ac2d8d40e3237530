/**
 * Every way a download can fail, turned into one line that says what to do.
 * Pure: takes a status/headers or an errno error, returns a HubError, and
 * says whether trying again could help.
 */
import { HubError } from "../errors.js";

export interface FailureContext {
  repo: string;
  revision: string;
  /** the file, when the request was for one */
  path?: string;
  endpoint: string;
  /** whether an Authorization header was sent */
  tokenSent: boolean;
}

/** 5xx, 429 and 408 are worth another try; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** The repo has no such file (404 EntryNotFound): fine for optional files. */
export class MissingFileError extends HubError {}

const TOKEN_HELP = "create one at https://huggingface.co/settings/tokens";

export function httpFailure(status: number, headers: Record<string, string>, ctx: FailureContext): HubError {
  const code = headers["x-error-code"] ?? "";
  const host = hostOf(ctx.endpoint);
  const page = `${ctx.endpoint}/${ctx.repo}`;
  const what = ctx.path ? `${ctx.path} of ${ctx.repo}` : ctx.repo;
  if (code === "GatedRepo" || (status === 403 && /gated/i.test(headers["x-error-message"] ?? ""))) {
    return new HubError(
      ctx.tokenSent
        ? `${ctx.repo} is gated and your HF_TOKEN's account has not been granted access (${status}): accept the terms at ${page} with that account, then retry`
        : `${ctx.repo} is gated (${status}): accept its terms at ${page}, then set HF_TOKEN to a read token of that account (${TOKEN_HELP})`,
    );
  }
  if (code === "RepoNotFound") {
    return new HubError(
      ctx.tokenSent
        ? `repository ${ctx.repo} not found on ${host}, or your HF_TOKEN cannot read it: check the id (nlp models lists known models)`
        : `repository ${ctx.repo} not found on ${host}: check the id (nlp models lists known models); if it is private, set HF_TOKEN (${TOKEN_HELP})`,
    );
  }
  if (code === "RevisionNotFound") {
    return new HubError(`revision "${ctx.revision}" not found in ${ctx.repo}: check the branch, tag or commit (--revision or @rev)`);
  }
  if (code === "EntryNotFound" || (status === 404 && ctx.path)) {
    return new MissingFileError(`${what} not found at revision ${ctx.revision} (404): the repo has no such file; pick another --variant or check the revision`);
  }
  if (status === 401) {
    return new HubError(
      ctx.tokenSent
        ? `${host} refused your HF_TOKEN for ${ctx.repo} (401): the token is invalid or expired; ${TOKEN_HELP}`
        : `${ctx.repo} needs a login (401): set HF_TOKEN to a read token (${TOKEN_HELP}) and accept the model's terms at ${page} if it is gated`,
    );
  }
  if (status === 403) {
    return new HubError(
      `access to ${ctx.repo} denied (403): accept the model's terms at ${page} and use a token of that account in HF_TOKEN (a fine-grained token needs read access to it)`,
    );
  }
  if (status === 404) return new HubError(`repository ${ctx.repo} not found on ${host} (404): check the id (nlp models lists known models)`);
  if (status === 429) return new HubError(`${host} is rate-limiting downloads (429) for ${what}; wait a minute and retry, or set HF_TOKEN`);
  if (status >= 500) return new HubError(`${host} failed with ${status} for ${what} after several attempts; try again later`);
  return new HubError(`unexpected answer ${status} from ${host} for ${what}; check HF_ENDPOINT and your proxy`);
}

/**
 * A refusal from the storage host the Hub redirected a file to, after the Hub itself granted access and a
 * fresh link was tried: not the repo, not the token, but the way to that host (a proxy or firewall that
 * allows the Hub but not its storage host is the usual cause) or the storage itself.
 */
export function storageFailure(status: number, url: string, ctx: FailureContext): HubError {
  const host = hostOf(url);
  return new HubError(
    `${host}, where ${hostOf(ctx.endpoint)} sends the bytes of ${ctx.path ?? "the files"} of ${ctx.repo}, refused the download twice (${status}) though the Hub granted access: allow ${host} in your proxy or firewall (or set HTTPS_PROXY), or retry later`,
  );
}

/** errno codes meaning the host cannot be reached at all. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "UND_ERR_CONNECT_TIMEOUT"]);
/** Errors of a connection that worked and then broke: resume and go on. */
const TRANSIENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_ABORTED",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return "";
}

export function isUnreachable(err: unknown): boolean {
  return UNREACHABLE.has(errorCode(err));
}

export function isTransientNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  if (TRANSIENT.has(code)) return true;
  // undici's "other side closed" and aborted bodies carry no errno
  const msg = (err as Error | null)?.message ?? "";
  return /other side closed|socket hang up|terminated|aborted/i.test(msg) && !isUnreachable(err);
}

/** An answer that is not HTTP at all, or headers without end (another service on that port, a broken proxy): no retry helps. */
export function isProtocolError(err: unknown): boolean {
  const code = errorCode(err);
  return (err as Error | null)?.name === "HTTPParserError" || code.startsWith("HPE_") || code === "UND_ERR_HEADERS_OVERFLOW";
}

export function protocolFailure(err: unknown, url: string, endpoint: string): HubError {
  const detail = ((err as Error | null)?.message ?? "").split("\n")[0].slice(0, 120);
  return new HubError(
    `${hostOf(url)} did not answer in HTTP nlp can read (${detail}): check that HF_ENDPOINT (${endpoint}) is the Hub or a mirror, and any proxy in between (HTTPS_PROXY)`,
    1, { cause: err },
  );
}

/** The status a proxy refused a tunnel with (undici: "Proxy response (407) !== 200 when HTTP Tunneling"), or null. */
export function proxyRefusal(err: unknown): number | null {
  const m = /Proxy response \((\d{3})\)/.exec((err as Error | null)?.message ?? "");
  return m ? Number(m[1]) : null;
}

/** The proxy said no: its status decides the fix (407: credentials); no retry helps. The proxy URL is not shown: it may hold a password. */
export function proxyFailure(status: number, url: string, err: unknown): HubError {
  const host = hostOf(url);
  return new HubError(
    status === 407
      ? `your proxy asks for a login (407) to reach ${host}: put its user and password in HTTPS_PROXY / HTTP_PROXY (http://user:password@proxy:port), or add ${host} to NO_PROXY if it needs no proxy`
      : `your proxy refused to connect to ${host} (${status}): check HTTPS_PROXY / HTTP_PROXY and NO_PROXY, or ask whoever runs the proxy to allow ${host}`,
    1, { cause: err },
  );
}

/** A certificate Node cannot trust: a company proxy inspecting TLS, mostly; no retry helps. */
const UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

export function isTlsError(err: unknown): boolean {
  const code = errorCode(err);
  return UNTRUSTED.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_");
}

/** One line for a TLS failure (OpenSSL's own messages span lines): what to trust, or what to check. */
export function tlsFailure(err: unknown, url: string, endpoint: string): HubError {
  const code = errorCode(err);
  const host = hostOf(url);
  if (UNTRUSTED.has(code)) {
    return new HubError(
      `cannot trust the TLS certificate of ${host} (${code}): behind a company proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to its CA certificate file (as REQUESTS_CA_BUNDLE for Python); else check HF_ENDPOINT (${endpoint})`,
      1, { cause: err },
    );
  }
  return new HubError(
    `TLS with ${host} failed (${code}): check that HF_ENDPOINT (${endpoint}) has the right scheme and port (https:// to a plain http server fails like this) and any proxy in between (HTTPS_PROXY)`,
    1, { cause: err },
  );
}

export function networkFailure(err: unknown, url: string, attempts: number): HubError {
  const code = errorCode(err);
  const host = hostOf(url);
  if (isUnreachable(err)) {
    return new HubError(
      `cannot reach ${host} (${code}): check your network, proxy (HTTPS_PROXY) or HF_ENDPOINT; models already in the cache work with --offline`,
      1, { cause: err },
    );
  }
  if (code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return new HubError(
      `download from ${host} stalled ${attempts} times; retry later (the partial file is kept and resumed), or raise HF_HUB_DOWNLOAD_TIMEOUT`,
      1, { cause: err },
    );
  }
  return new HubError(
    `download from ${host} kept failing (${code || (err as Error)?.message || "connection error"}) after ${attempts} attempts; retry (it resumes where it stopped)`,
    1, { cause: err },
  );
}

/** Disk full, read-only cache, no permission: say which folder and what to change. */
export function fsFailure(err: unknown, path: string, cacheDir: string): HubError | null {
  const code = errorCode(err);
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new HubError(`disk full while writing ${path}: free some space (nlp cache list / nlp cache rm) or set HF_HUB_CACHE to a folder on another disk`, 1, { cause: err });
  }
  if (code === "ENOTDIR") {
    return new HubError(`a file stands where the model cache ${cacheDir} or a folder in it should be (ENOTDIR on ${path}): move that file away, or set HF_HUB_CACHE to a folder`, 1, {
      cause: err,
    });
  }
  if (code === "EFBIG") {
    // a file-size limit: the cache's filesystem (FAT32 stops at 4 GB) or `ulimit -f`
    return new HubError(`${path} grew past the largest file allowed here (EFBIG): set HF_HUB_CACHE to a folder on a disk that takes large files (not FAT32), or raise \`ulimit -f\``, 1, {
      cause: err,
    });
  }
  if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
    return new HubError(
      `the model cache ${cacheDir} is not writable (${code} on ${path}): set HF_HUB_CACHE to a writable folder, or use --offline with models already cached`,
      1, { cause: err },
    );
  }
  return null;
}

/** A download's own file removed under it (ENOENT while writing or renaming it): by another process, mostly `nlp cache rm`. */
export function vanishedFailure(path: string, err: unknown): HubError {
  return new HubError(`${path} disappeared while nlp was writing it (another process removed it: nlp cache rm or clear?); run the command again`, 1, { cause: err });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Waits before attempt n+1: 0.5 s, 1 s, 2 s … capped at 8 s, or what Retry-After asks (≤ 30 s). */
export function backoffMs(attempt: number, retryAfter?: string): number {
  const ra = Number(retryAfter);
  if (Number.isFinite(ra) && ra >= 0) return Math.min(ra * 1000, 30_000);
  return Math.min(500 * 2 ** (attempt - 1), 8000);
}
