/**
 * Client mode (`--server URL` or NLP_SERVER): the command sends its records to a running `nlp serve` instead of
 * loading a model; everything else (input, formats, order, exit codes) is the local path's.
 */
import { UsageError } from "../errors.js";
import type { CliIO } from "./io.js";
import type { ModelCliOptions } from "./common.js";
import type { RemoteClassifier, RemoteOptions } from "../serve/client.js";
import type { LoadedModel } from "../model/load.js";
import { needsDocumentPath } from "../tasks/classify/documents.js";
import { documentOptionsFrom } from "./document-run.js";
import type { DocumentCliOptions } from "./document-options.js";
import { loadForCli } from "./runtime.js";

/** The server to use: --server, else NLP_SERVER; none: run the model here. */
export function serverFor(opts: { server?: string }, env: NodeJS.ProcessEnv): string | undefined {
  return opts.server ?? (env.NLP_SERVER || undefined);
}

/**
 * The command's model: loaded here (`local`), or the server's (`connect`) when one is named. With a server the
 * model flags are refused (the server's model answers), naming where the URL came from; NLP_API_KEY is the key.
 */
export async function modelOrServer<M, R>(
  opts: ModelCliOptions & { server?: string },
  texts: string[],
  io: CliIO,
  local: () => Promise<{ model: M; texts: string[] }>,
  connect: (server: string, o: RemoteOptions) => Promise<R>,
): Promise<{ model: M | R; texts: string[] }> {
  const server = serverFor(opts, io.env);
  if (!server) return local();
  const from = opts.server !== undefined ? "--server" : "NLP_SERVER";
  const flags: [keyof ModelCliOptions, string][] = [
    ["model", "-m"],
    ["variant", "--variant"],
    ["maxLength", "--max-length"],
    ["threads", "--threads"],
    ["workers", "--workers"],
    ["revision", "--revision"],
    ["offline", "--offline"],
  ];
  const given = flags.filter(([k]) => opts[k] !== undefined && opts[k] !== false).map(([, f]) => f);
  if (given.length > 0) {
    throw new UsageError(
      `${given.join(", ")} cannot be used with ${from}: the server's model answers; ${from === "--server" ? "drop --server" : "unset NLP_SERVER"} to run a model here, or drop ${given.join(", ")}`,
    );
  }
  return { model: await connect(server, { apiKey: io.env.NLP_API_KEY || undefined, batchSize: opts.batchSize }), texts };
}

/**
 * The classifier of classify and eval: the server's (--server, NLP_SERVER) or the model loaded here. The options
 * that need the tokenizer in this process (long documents, sentence level, zero-shot) are refused with a server.
 */
export async function classifierForCli(
  opts: ModelCliOptions & DocumentCliOptions & { server?: string; quiet?: boolean },
  texts: string[],
  io: CliIO,
): Promise<{ model: LoadedModel | RemoteClassifier; texts: string[] }> {
  if (serverFor(opts, io.env) && needsDocumentPath(documentOptionsFrom(opts))) {
    throw new UsageError(`--long, --stride, --level, --labels, --hypothesis and --multi-label need the model in this process: ${opts.server !== undefined ? "drop --server" : "unset NLP_SERVER"} to run them`);
  }
  return modelOrServer(
    opts,
    texts,
    io,
    () => loadForCli(opts, texts, io),
    async (server, o) => (await import("../serve/client.js")).RemoteClassifier.connect(server, o),
  );
}
