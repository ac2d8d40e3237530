/** Library API for downloads: `await pullModel("en.classify.bert.imdb")` fetches what the model needs into the cache. */
// resolve.js pulls in the HTTP client: loaded only when a pull happens

export interface PullOptions {
  variant?: string;
  revision?: string;
  log?: (line: string) => void;
}

export interface PullResult {
  /** the folder holding the bundle */
  dir: string;
  /** owner/name, for Hub models */
  repo?: string;
  commit?: string;
  /** files whose bytes were downloaded now */
  downloaded: string[];
}

export async function pullModel(ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const { resolveReference } = await import("./materialize.js");
  const r = await resolveReference(ref, { ...opts, refresh: true });
  return { dir: r.dir, repo: r.snapshot?.repo, commit: r.snapshot?.commit, downloaded: r.snapshot?.downloaded ?? [] };
}
