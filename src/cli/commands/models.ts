import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { createWriter, parseOutputFormat } from "../../io/output.js";

interface ModelsCliOptions {
  lang?: string;
  task?: string;
  format?: string;
}

export function registerModels(program: Command): void {
  program
    .command("models")
    .description("list the model catalog (built-in and imported), with what is already downloaded")
    .argument("[query]", "only entries whose ref, alias, repo, dataset or description contains this")
    .option("--lang <code>", "only models for this language (multilingual ones included)")
    .option("--task <task>", "only this task: sentiment, emotion, toxicity, zero-shot, ner, pos, pii, …")
    .option("--format <format>", "table, json, jsonl, csv or tsv (default: table on a terminal, else jsonl)")
    .addHelpText(
      "after",
      `
Examples:
  $ nlp models
  $ nlp models imdb
  $ nlp models --task zero-shot --lang fr
  $ nlp models --task ner
  $ nlp models --format json | jq '.[].ref'`,
    )
    .action(async (query: string | undefined, opts: ModelsCliOptions) => runModels(query, opts));
}

async function runModels(query: string | undefined, opts: ModelsCliOptions): Promise<void> {
  const format = parseOutputFormat(opts.format, Boolean(process.stdout.isTTY));
  const { loadCatalog } = await import("../../catalog/catalog.js");
  const { TASKS } = await import("../../catalog/schema.js");
  const { entryStatus } = await import("../../catalog/status.js");
  if (opts.task && !(TASKS as readonly string[]).includes(opts.task)) {
    throw new UsageError(`unknown --task "${opts.task}"; use one of ${TASKS.join(", ")}`);
  }
  const catalog = loadCatalog();
  const q = query?.trim().toLowerCase();
  const lang = opts.lang?.trim().toLowerCase();
  const rows = catalog.entries.filter((e) => {
    if (opts.task && e.task !== opts.task) return false;
    if (lang && !e.languages.includes(lang) && !e.languages.includes("xx")) return false;
    if (!q) return true;
    const hay = [e.ref, ...e.aliases, e.repo, e.description, e.dataset, e.upstream, e.architecture].filter(Boolean).join(" ").toLowerCase();
    return hay.includes(q) || hay.includes(q.replace(/-/g, "_"));
  });
  if (rows.length === 0) process.stderr.write(`nlp: no model matches; \`nlp models\` lists them all\n`);
  const records = rows.map((e) => {
    const st = entryStatus(e);
    const size = st.variant && e.sizes_mb?.[st.variant];
    const cached = e.source === "embedded" ? "built-in" : e.source === "local" ? "imported" : st.ready ? "yes" : "";
    return {
      ref: e.ref,
      task: e.task,
      languages: e.languages.join(","),
      architecture: e.architecture ?? "",
      repo: e.repo ?? e.path ?? "",
      variant: st.variant ?? "",
      size_mb: size ?? null,
      labels: e.labels ? e.labels.join(",") : "(from config)",
      cached,
      ...(format === "json" || format === "jsonl" ? { aliases: e.aliases, stands_in_for: e.stands_in_for?.model ?? null, origin: catalog.originOf(e) } : {}),
    };
  });
  const table = format === "table";
  const columns = table ? ["ref", "task", "languages", "variant", "size_mb", "labels", "cached"] : Object.keys(records[0] ?? { ref: "" });
  const writer = createWriter(format, process.stdout, { columns });
  for (const r of records) {
    if (table) {
      await writer.write({ ...r, languages: short(r.languages, 18), labels: short(r.labels, 34), size_mb: r.size_mb === null ? "" : `${r.size_mb}` });
    } else await writer.write(r);
  }
  await writer.end();
}

function short(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
