/**
 * The environment as every layer reads it: one rule for variables (blank counts as unset, values trimmed,
 * as huggingface_hub treats them) and one `~` expansion, for Hub settings, proxies, the user's config
 * folder, the embedded-model root and model folders alike.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** $name trimmed, or undefined when unset or blank. */
export function envVar(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** `~` and `~/…` under the home directory; any other path unchanged. */
export function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}
