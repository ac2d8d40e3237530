/**
 * HTTP for the Hub: undici with the proxy from HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY, redirects followed by hand so the token goes to the Hub's own
 * host and never to the storage host a large file redirects to.
 */
import type { Readable } from "node:stream";
import { EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { HubError, UsageError } from "../errors.js";
import { headersTimeoutMs, hubEndpoint, stallTimeoutMs } from "./env.js";
import { redirectProblem, show } from "./safe-path.js";
import { envVar } from "../env.js";

export interface HubResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable & { dump(): Promise<void>; text(): Promise<string> };
  /** the URL that answered (after redirects) */
  url: string;
}

/** A body we will not read: drained so the connection can be reused; a failure while draining changes nothing. */
export async function discardBody(res: Pick<HubResponse, "body">): Promise<void> {
  await res.body.dump().catch(() => undefined);
}

/**
 * A body read as text, or null once it passes `maxBytes` (then the connection is dropped): a JSON answer
 * from whatever is at HF_ENDPOINT must not grow without end in memory.
 */
export async function readTextCapped(res: Pick<HubResponse, "body">, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface HttpClient {
  /** One request, no redirects followed. */
  send(method: "GET" | "HEAD", url: string, headers?: Record<string, string>): Promise<HubResponse>;
  /**
   * Follows redirects (all, or only same-host ones), sending the token to the Hub host only.
   * Every Location, followed or handed back, has passed redirectProblem; `repo` and `what` name the request in a refusal.
   */
  fetch(
    method: "GET" | "HEAD",
    url: string,
    opts?: { headers?: Record<string, string>; sameHostOnly?: boolean; repo?: string; what?: string },
  ): Promise<HubResponse>;
  close(): Promise<void>;
  /** how many requests were sent (for logs and tests) */
  readonly requests: number;
}

const USER_AGENT = `nlp-classify/0.1; node/${process.versions.node}`;
const MAX_REDIRECTS = 10;

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** The token is sent only to the host HF_ENDPOINT names (scheme, host and port). */
export function isHubOrigin(url: string, endpoint = hubEndpoint()): boolean {
  try {
    return new URL(url).origin === new URL(endpoint).origin;
  } catch {
    return false;
  }
}

/**
 * HTTPS_PROXY / HTTP_PROXY (lower case first, as undici and curl read them). "proxy.corp:3128" with no
 * scheme means http://, as curl and Python's requests take it (undici alone throws "Invalid URL").
 */
function proxyUrl(name: string): string | undefined {
  const lower = name.toLowerCase();
  const [variable, raw] = envVar(lower) !== undefined ? [lower, envVar(lower)!] : [name, envVar(name)];
  if (raw === undefined) return undefined;
  const value = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    if (new URL(value).hostname) return value;
  } catch {
    // said below
  }
  throw new UsageError(`${variable} "${raw}" is not a proxy URL; set it like http://proxy.example:3128, or unset it`);
}

export function createHttpClient(token?: string): HttpClient {
  // read here rather than by undici so an empty variable counts as unset, in either case
  const env = (name: string) => envVar(name.toLowerCase()) ?? envVar(name);
  const dispatcher: Dispatcher = new EnvHttpProxyAgent({
    httpProxy: proxyUrl("HTTP_PROXY"),
    httpsProxy: proxyUrl("HTTPS_PROXY"),
    noProxy: env("NO_PROXY") ?? "",
    headersTimeout: headersTimeoutMs(),
    bodyTimeout: stallTimeoutMs(),
    connectTimeout: headersTimeoutMs(),
  });
  const endpoint = hubEndpoint();
  let requests = 0;

  const send: HttpClient["send"] = async (method, url, headers = {}) => {
    const h: Record<string, string> = { "user-agent": USER_AGENT, "accept-encoding": "identity", ...headers };
    if (token && isHubOrigin(url, endpoint)) h.authorization = `Bearer ${token}`;
    requests++;
    const res = await request(url, { method, headers: h, dispatcher });
    return { status: res.statusCode, headers: flatHeaders(res.headers), body: res.body as unknown as HubResponse["body"], url };
  };

  const follow: HttpClient["fetch"] = async (method, url, opts = {}) => {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await send(method, current, opts.headers);
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location) return res;
      const problem = redirectProblem(location, current, new URL(endpoint).origin, opts.repo);
      if (problem) {
        await discardBody(res);
        const what = [opts.what, opts.repo].filter(Boolean).join(" of ") || current;
        throw new HubError(
          `refused the redirect to ${show(location)} (${what}, from ${new URL(current).host}): it ${problem}; a genuine Hub never sends this: check HF_ENDPOINT (${endpoint}) and any proxy in between (HTTPS_PROXY)`,
        );
      }
      const next = new URL(location, current).toString();
      if (opts.sameHostOnly && new URL(next).origin !== new URL(current).origin) return res;
      await discardBody(res);
      current = next;
    }
    throw new HubError(`too many redirects from ${new URL(url).host}; check HF_ENDPOINT and your proxy`);
  };

  return {
    send,
    fetch: follow,
    // destroy, not close: close waits for every body to be read, and one left unread on a failure path would
    // keep the run waiting forever ("the run stopped before it finished"); when this is called the work is over
    close: () => dispatcher.destroy().catch(() => undefined),
    get requests() {
      return requests;
    },
  };
}
