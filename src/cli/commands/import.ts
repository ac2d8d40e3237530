import type { Command } from "commander";
import type { CliIO } from "../io.js";

interface ImportCliOptions {
  as: string;
  task?: string;
  lang?: string;
  labels?: string;
  description?: string;
  force?: boolean;
}

/** The one-liner that runs an imported model, by the command its task runs through. */
const TRY: Record<string, (ref: string) => string> = {
  token: (ref) => `nlp ner ${ref} "Ada Lovelace was born in London"`,
  embed: (ref) => `nlp embed ${ref} "some text"`,
  rerank: (ref) => `nlp rerank ${ref} "a query" "a document" "another document"`,
  sequence: (ref) => `nlp classify ${ref} "some text"`,
};

export function registerImport(program: Command, io: CliIO): void {
  program
    .command("import")
    .description("register your own exported model folder under a reference, in your catalog ($XDG_CONFIG_HOME/nlp/models.json)")
    .argument("<folder>", "a folder with config.json, tokenizer.json and an ONNX graph (e.g. from optimum-cli export onnx)")
    .requiredOption("--as <ref>", "the reference to use, e.g. en.classify.bert.mytickets")
    .option(
      "--task <task>",
      "what it does, which picks the command that runs it: sentiment, topic, intent, zero-shot, rerank, … or other (nlp classify/rerank); ner, pos, pii (nlp ner); embed (nlp embed). Default: from config.json: embed for an encoder without a head, ner/pos for a token classifier named en.ner.…/en.pos.…, else other",
    )
    .option("--lang <codes>", "languages, comma-separated (default: from the reference, else xx)")
    .option("--labels <names>", "label names by index, comma-separated, for configs that only say LABEL_0, LABEL_1, …")
    .option("--description <text>", "a note shown by nlp info and nlp models")
    .option("--force", "replace an entry of yours, or shadow a built-in one, with the same name")
    .addHelpText(
      "after",
      `
The folder stays where it is; the catalog records its absolute path.

Examples:
  $ optimum-cli export onnx --model my-org/ticket-classifier --task text-classification ./tickets-onnx
  $ nlp import ./tickets-onnx --as en.classify.bert.tickets --task topic
  $ nlp classify en.classify.bert.tickets "My invoice is wrong"
  $ nlp import ./my-ner-onnx --as en.ner.bert.mine          # a …ForTokenClassification export: task ner
  $ nlp import ./my-st-onnx --as en.embed.minilm.mine       # a sentence-transformers export: task embed`,
    )
    .action(async (folder: string, opts: ImportCliOptions) => {
      const [{ importFolder }, { taskModel }] = await Promise.all([import("../../catalog/user.js"), import("../../catalog/schema.js")]);
      const r = await importFolder(folder, {
        ref: opts.as,
        task: opts.task,
        languages: opts.lang?.split(",").map((s) => s.trim()).filter(Boolean),
        labels: opts.labels?.split(",").map((s) => s.trim()),
        description: opts.description,
        force: opts.force,
      });
      const what = r.labels.length ? r.labels.join(", ") : "embeddings";
      io.stderr.write(`nlp: ${r.entry.ref} → ${r.entry.path} (${r.entry.task}: ${what}), saved in ${r.catalogPath}\n`);
      io.stderr.write(`nlp: try: ${TRY[r.entry.task === "rerank" ? "rerank" : taskModel(r.entry.task)](r.entry.ref)}\n`);
    });
}
