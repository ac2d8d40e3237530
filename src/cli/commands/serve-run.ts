import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import type { ModelCliOptions } from "../common.js";
import { loadEmbedderForCli, loadForCli, loadModelForCli, loadOptionsFromCli } from "../runtime.js";
import { serve, type ServableModel } from "../../serve/server.js";
import { findEntry } from "../../catalog/catalog.js";
import { taskModel, type TaskModel } from "../../catalog/schema.js";
import { configModel } from "../../catalog/user.js";
import { resolveModel } from "../../model/resolver.js";
import type { ResolvedModel } from "../../model/resolver.js";

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
  task?: "classify" | "ner" | "embed";
}

const TASK_OF: Record<TaskModel, "classify" | "ner" | "embed"> = { sequence: "classify", token: "ner", embed: "embed" };

/** Which routes the model gets: --task, else its catalog entry's task, else its config's head (as nlp import reads it). */
async function taskFor(ref: string | undefined, opts: ServeCliOptions, io: CliIO): Promise<"classify" | "ner" | "embed"> {
  if (opts.task) return opts.task;
  if (ref === undefined) return "classify"; // the default model
  const entry = findEntry(ref);
  if (entry) return TASK_OF[taskModel(entry.task)];
  const { dir } = await resolveModel(ref, loadOptionsFromCli(opts, io));
  let architectures: string[] = [];
  try {
    architectures = (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { architectures?: string[] }).architectures ?? [];
  } catch {
    // no readable config.json: the classifier's loader says what is wrong with the folder
  }
  const made = configModel(dir, architectures);
  return made ? TASK_OF[made.model] : "classify";
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
  // listening from the start: a stop during the model load ends the run cleanly too; a second signal cuts the grace period
  let signal: string | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let wake: (s: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (wake = resolve));
  for (const s of ["SIGTERM", "SIGINT"] as const) {
    io.signals?.on(s, () => {
      if (signal === undefined) wake((signal = s));
      else void server?.close({ force: true });
    });
  }
  const ref = opts.model ?? modelArg;
  const task = await taskFor(ref, opts, io);
  const modelOpts = { ...opts, model: ref };
  let model: ServableModel & { resolved: ResolvedModel; dispose(): Promise<void> };
  if (task === "embed") model = (await loadEmbedderForCli(modelOpts, [], io)).model;
  else if (task === "ner") {
    const { loadTokenClassifier } = await import("../../model/load.js");
    model = (await loadModelForCli((r, o) => loadTokenClassifier(r!, o), modelOpts, [], io, () => "en.ner")).model;
  } else model = (await loadForCli(modelOpts, [], io)).model;
  if (signal !== undefined) {
    await model.dispose();
    say(`${signal} before the server started: stopped`);
    return;
  }
  server = await serve(model, {
    host: opts.host,
    port: opts.port,
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
  const routes = { classify: "/predict", ner: "/ner", embed: "/embed" }[task];
  say(`serving ${model.resolved.ref} (${model.bundle.variant}, ${routes}) on ${server.url}${apiKey ? " (API key required)" : ""}; SIGTERM or Ctrl-C stops`);
  if (!io.signals) return; // in process without signals: the caller owns the server's life
  await stopped;
  say(`${signal}: finishing the requests in flight (up to ${opts.gracePeriod} s), then stopping`);
  await server.close();
  await model.dispose();
  say("stopped");
}
