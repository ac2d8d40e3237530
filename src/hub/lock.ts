/**
 * One process at a time per blob: a lock folder next to huggingface_hub's own
 * lock files (.locks/models--owner--name/{etag}.nlp.lock). proper-lockfile
 * keeps its mtime fresh while held, so the lock of a killed process goes
 * stale and is taken over instead of blocking forever.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";

/** A held lock older than this (not refreshed) belongs to a dead process. */
const STALE_MS = 20_000;

/** `target` comes from RepoCache.lockTarget, which has checked it lies inside the cache's .locks folder. */
export async function withBlobLock<T>(target: string, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(target), { recursive: true });
  const opts = { realpath: false, stale: STALE_MS, lockfilePath: `${target}.nlp.lock`, onCompromised: () => undefined };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, opts);
  } catch (err) {
    if ((err as { code?: string }).code !== "ELOCKED") throw err;
    onWait();
    release = await lockfile.lock(target, { ...opts, retries: { forever: true, minTimeout: 100, maxTimeout: 1000, factor: 1.5 } });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** Whether a live process holds the blob's lock now (a stale one, left by a killed process, does not count). */
export function isBlobLocked(target: string): boolean {
  try {
    return lockfile.checkSync(target, { realpath: false, stale: STALE_MS, lockfilePath: `${target}.nlp.lock` });
  } catch {
    return false;
  }
}
