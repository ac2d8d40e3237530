import type { CliIO } from "../io.js";
import { HubError, UsageError } from "../../errors.js";
import { createWriter, knownColumn, parseOutputFormat } from "../../io/output.js";

export interface ModelsCliOptions {
  lang?: string;
  task?: string;
  format?: string;
}


export async function runModels(query: string | undefined, opts: ModelsCliOptions, io: CliIO): Promise<void> {
  const format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
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
  if (rows.length === 0) io.stderr.write(`nlp: no model matches; \`nlp models\` lists them all\n`);
  const records = rows.map((e) => {
    // one damaged snapshot in the cache (a link leading out of it) must not hide the whole catalog: that row says so
    let st: ReturnType<typeof entryStatus> | null;
    try {
      st = entryStatus(e);
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      st = null;
    }
    const size = st?.variant && e.sizes_mb?.[st.variant];
    const cached =
      e.source === "embedded" ? "built-in" : e.source === "local" ? (st?.ready ? "imported" : "imported, folder gone") : !st ? "damaged: nlp cache verify --fix" : st.ready ? "yes" : "";
    return {
      ref: e.ref,
      task: e.task,
      languages: e.languages.join(","),
      architecture: e.architecture ?? "",
      repo: e.repo ?? e.path ?? "",
      variant: st?.variant ?? "",
      size_mb: size ?? null,
      labels: e.labels ? e.labels.join(",") : "(from config)",
      cached,
      ...(format === "json" || format === "jsonl" ? { aliases: e.aliases, stands_in_for: e.stands_in_for?.model ?? null, origin: catalog.originOf(e) } : {}),
    };
  });
  const table = format === "table";
  if (table) {
    // fit the terminal: refs whole (they are what you type), other columns cut with … or dropped (labels first)
    const columns = ["ref", "task", "languages", "variant", "size_mb", "labels", "cached"];
    const cells = records.map((r) => ({ ...r, size_mb: r.size_mb === null ? "" : `${r.size_mb}` }));
    const col = (c: string) => knownColumn(cells, c);
    const fit = {
      ref: col("ref"),
      task: { ...col("task"), min: 9, drop: 1 },
      languages: { ...col("languages"), min: 5, drop: 2 },
      variant: { ...col("variant"), drop: 4 },
      size_mb: { ...col("size_mb"), drop: 3 },
      labels: { ...col("labels"), min: 12, drop: 5 },
      cached: col("cached"),
    };
    const writer = createWriter(format, io.stdout, { env: io.env, columns, headings: ["ref", "task", "lang", "variant", "MB", "labels", "cached"], table: fit });
    for (const r of cells) await writer.write(r);
    await writer.end();
    return;
  }
  const writer = createWriter(format, io.stdout, { env: io.env, columns: Object.keys(records[0] ?? { ref: "" }) });
  for (const r of records) await writer.write(r);
  await writer.end();
}
