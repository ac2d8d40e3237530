import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import type { ModelCliOptions } from "../common.js";
import { loadForCli } from "../runtime.js";
import { serve } from "../../serve/server.js";

export interface ServeCliOptions extends ModelCliOptions {
  host: string;
  port: number;
  workers?: number;
  maxBatchTokens: number;
  maxClientBatchSize: number;
  maxConcurrentRequests: number;
  payloadLimit: number;
  apiKeyEnv?: string;
  corsOrigin?: string;
  logFormat: "text" | "json";
  logInputs?: boolean;
  gracePeriod: number;
  quiet?: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The API key: from the variable --api-key-env names, else NLP_API_KEY; none: no auth. */
function apiKeyFrom(opts: ServeCliOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (opts.apiKeyEnv !== undefined) {
    const key = env[opts.apiKeyEnv];
    if (!key) throw new UsageError(`--api-key-env ${opts.apiKeyEnv}: the variable is unset or empty; export ${opts.apiKeyEnv}=<key> before nlp serve`);
    return key;
  }
  return env.NLP_API_KEY || undefined;
}

export async function runServe(modelArg: string | undefined, opts: ServeCliOptions, io: CliIO): Promise<void> {
  const say = (line: string) => io.stderr.write(`nlp: ${line}\n`);
  const apiKey = apiKeyFrom(opts, io.env);
  if (!apiKey && !LOOPBACK.test(opts.host)) say(`warning: serving on ${opts.host} without an API key: anyone who can reach it can use it; set NLP_API_KEY or --api-key-env`);
  const { model } = await loadForCli({ ...opts, model: opts.model ?? modelArg }, [], io);
  const server = await serve(model, {
    host: opts.host,
    port: opts.port,
    workers: opts.workers,
    maxBatchTokens: opts.maxBatchTokens,
    maxClientBatchSize: opts.maxClientBatchSize,
    maxConcurrentRequests: opts.maxConcurrentRequests,
    payloadLimit: opts.payloadLimit,
    apiKey,
    corsOrigins: opts.corsOrigin?.split(",").map((s) => s.trim()).filter(Boolean),
    modelId: model.resolved.ref,
    log: opts.quiet ? undefined : (line) => io.stderr.write(line + "\n"),
    logFormat: opts.logFormat,
    logInputs: opts.logInputs,
    gracePeriodMs: opts.gracePeriod * 1000,
  });
  say(`serving ${model.resolved.ref} (${model.bundle.variant}) on ${server.url}${apiKey ? " (API key required)" : ""}; SIGTERM or Ctrl-C stops`);
  if (!io.signals) return; // in process without signals: the caller owns the server's life
  const signal = await new Promise<string>((resolve) => {
    const on = (s: string) => () => resolve(s);
    const handlers = (["SIGTERM", "SIGINT"] as const).map((s) => [s, on(s)] as const);
    for (const [s, h] of handlers) io.signals!.on(s, h);
  });
  say(`${signal}: finishing the requests in flight (up to ${opts.gracePeriod} s), then stopping`);
  await server.close();
  await model.dispose();
  say("stopped");
}
