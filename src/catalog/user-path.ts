/** Where the user's own catalog lives: $XDG_CONFIG_HOME/nlp/models.json, else ~/.config/nlp/models.json. */
import { homedir } from "node:os";
import { join } from "node:path";
import { envVar } from "../env.js";

export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = envVar("XDG_CONFIG_HOME", env);
  return join(xdg ? xdg : join(homedir(), ".config"), "nlp");
}

export function userCatalogPath(): string {
  return join(userConfigDir(), "models.json");
}
