import { Option, type Command } from "commander";
import type { CliIO } from "../io.js";
import { addModelOptions, intArg } from "../common.js";
import type { ServeCliOptions } from "./serve-run.js";

// Registration only: the server's code loads when it runs (see serve-run.ts), so other commands start fast.
export function registerServe(program: Command, io: CliIO): void {
  const cmd = program
    .command("serve")
    .description("serve one warm model over HTTP in Hugging Face text-embeddings-inference's API (/predict, /embed, /ner, /tokenize, /info, /health, /metrics)")
    .argument("[model]", "the model (as -m)");
  addModelOptions(cmd);
  cmd
    .addOption(new Option("--task <task>", "which routes: classify (/predict), ner (/ner) or embed (/embed) (default: from the catalog entry or the model's config)").choices(["classify", "ner", "embed"]))
    .option("--host <addr>", "address to bind (a non-loopback address should have an API key)", "127.0.0.1")
    .option("--port <n>", "port to listen on (0: any free port)", intArg("--port", 0), 8080)
    .option("--max-batch-tokens <n>", "tokens per batch handed to the model across requests", intArg("--max-batch-tokens"), 16384)
    .option("--max-client-batch-size <n>", "inputs per request (more: 422)", intArg("--max-client-batch-size"), 32)
    .option("--max-concurrent-requests <n>", "requests admitted at once (more: 429 with Retry-After)", intArg("--max-concurrent-requests"), 512)
    .option("--payload-limit <bytes>", "request body size (more: 413)", intArg("--payload-limit"), 2_000_000)
    .option("--api-key-env <var>", "require `Authorization: Bearer $VAR` on every route but /health (default: NLP_API_KEY when set)")
    .option("--cors-origin <origins>", "comma-separated origins allowed by CORS, or * (default: no CORS)")
    .addOption(new Option("--log-format <format>", "one line per request on stderr").choices(["text", "json"]).default("text"))
    .option("--log-inputs", "also log the request's texts (never by default)")
    .option("--grace-period <seconds>", "on SIGTERM/SIGINT: how long requests in flight may finish", intArg("--grace-period", 0), 30)
    .option("-q, --quiet", "no request log")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp serve -m en.classify.sentiment.tiny --port 8080
  $ curl -s localhost:8080/predict -H 'Content-Type: application/json' -d '{"inputs": "A heartwarming and funny movie"}'
  $ NLP_API_KEY=secret nlp serve -m ./my-bundle --host 0.0.0.0
  $ nlp classify --server http://localhost:8080 -f reviews.txt     # client mode: no model load

See docs/serve.md for the API, systemd and Kubernetes.`,
    )
    .action(async (model: string | undefined, opts: ServeCliOptions) => (await import("./serve-run.js")).runServe(model, opts, io));
}
