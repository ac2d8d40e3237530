/**
 * Client mode (`--server URL` or NLP_SERVER): the command sends its records to a running `nlp serve` instead of
 * loading a model; everything else (input, formats, order, exit codes) is the local path's.
 */
import { UsageError } from "../errors.js";
import type { CliIO } from "./io.js";
import type { ModelCliOptions } from "./common.js";
import type { RemoteClassifier } from "../serve/client.js";

/** The server to use: --server, else NLP_SERVER; none: run the model here. */
export function serverFor(opts: { server?: string }, env: NodeJS.ProcessEnv): string | undefined {
  return opts.server ?? (env.NLP_SERVER || undefined);
}

/** Connects to the server; model flags are refused (the server's model answers), naming where the URL came from. */
export async function connectForCli(server: string, opts: ModelCliOptions & { server?: string }, io: CliIO): Promise<RemoteClassifier> {
  const from = opts.server !== undefined ? "--server" : "NLP_SERVER";
  const flags: [keyof ModelCliOptions, string][] = [
    ["model", "-m"],
    ["variant", "--variant"],
    ["maxLength", "--max-length"],
    ["threads", "--threads"],
    ["revision", "--revision"],
    ["offline", "--offline"],
  ];
  const given = flags.filter(([k]) => opts[k] !== undefined && opts[k] !== false).map(([, f]) => f);
  if (given.length > 0) {
    throw new UsageError(
      `${given.join(", ")} cannot be used with ${from}: the server's model answers; ${from === "--server" ? "drop --server" : "unset NLP_SERVER"} to run a model here, or drop ${given.join(", ")}`,
    );
  }
  const { RemoteClassifier } = await import("../serve/client.js");
  return RemoteClassifier.connect(server, { apiKey: io.env.NLP_API_KEY || undefined, batchSize: opts.batchSize });
}
