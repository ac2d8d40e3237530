/**
 * Which model runs when none is named: NLP_DEFAULT_MODEL, else the user's
 * config file ({"defaultModel": "..."}), else the sentiment model shipped in
 * the package. Never "whatever is in the cache": results must not change
 * because something was downloaded. One choice for the library's load() and
 * the CLI alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import { userConfigDir } from "./user-path.js";
import { envVar } from "../env.js";

export const EMBEDDED_MODEL = "en.classify.sentiment.tiny";

/** The package root, where embedded models live (dist/catalog/ → package root; NLP_EMBEDDED_ROOT overrides it for packagers and tests). */
export function embeddedRoot(): string {
  return envVar("NLP_EMBEDDED_ROOT") ?? fileURLToPath(new URL("../../", import.meta.url));
}

/** The embedded bundle's folder, wherever the package is installed. */
export function embeddedModelDir(): string {
  return join(embeddedRoot(), "models", EMBEDDED_MODEL);
}

/** $XDG_CONFIG_HOME/nlp/config.json, else ~/.config/nlp/config.json (beside the user catalog). */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(env), "config.json");
}

export interface DefaultModel {
  ref: string;
  from: "NLP_DEFAULT_MODEL" | "config" | "embedded";
}

export function defaultModel(env: NodeJS.ProcessEnv = process.env): DefaultModel {
  const fromEnv = envVar("NLP_DEFAULT_MODEL", env);
  if (fromEnv) return { ref: fromEnv, from: "NLP_DEFAULT_MODEL" };
  const path = userConfigPath(env);
  if (existsSync(path)) {
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new UsageError(`${path} is not valid JSON (${(err as Error).message}); fix it or delete it`, { cause: err });
    }
    const ref = (config as { defaultModel?: unknown } | null)?.defaultModel;
    if (ref !== undefined && (typeof ref !== "string" || ref.trim() === "")) {
      throw new UsageError(`${path}: "defaultModel" must be a model reference string, e.g. {"defaultModel": "${EMBEDDED_MODEL}"}`);
    }
    if (typeof ref === "string") return { ref: ref.trim(), from: "config" };
  }
  return { ref: embeddedModelDir(), from: "embedded" };
}
