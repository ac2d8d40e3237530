import { existsSync, statSync } from "node:fs";
import type { CliIO } from "../io.js";
import { UsageError } from "../../errors.js";
import { isPlaceholderLabels } from "../../engine/postprocess.js";

export interface InfoCliOptions {
  variant?: string;
  revision?: string;
  format?: string;
}


type Info = Record<string, unknown>;

export async function runInfo(ref: string, opts: InfoCliOptions, io: CliIO): Promise<void> {
  const format = (opts.format ?? "text").toLowerCase();
  if (format !== "text" && format !== "json") throw new UsageError(`unknown --format "${opts.format}"; use text or json`);
  const info = await describe(ref, opts);
  if (format === "json") {
    io.stdout.write(JSON.stringify(info, null, 2) + "\n");
    return;
  }
  const width = Math.max(...Object.keys(info).map((k) => k.length));
  for (const [k, v] of Object.entries(info)) {
    if (v === undefined || v === null || v === "") continue;
    const text = Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v);
    io.stdout.write(`${k.replace(/_/g, " ").padEnd(width)}  ${text}\n`);
  }
}

/** What the files on disk say (labels, max length), without ONNX Runtime. */
async function fromFolder(dir: string, variant?: string): Promise<Info> {
  const { readBundle } = await import("../../model/bundle.js");
  const { effectiveMaxLength } = await import("../../engine/max-length.js");
  const { labelNames } = await import("../../engine/postprocess.js");
  const b = readBundle(dir, variant);
  const cfg = b.configJson;
  const n = Object.keys(cfg.id2label ?? {}).length || (typeof cfg.num_labels === "number" ? cfg.num_labels : 0);
  // from the config files: info never loads the tokenizer (nor ONNX Runtime), so it answers at once
  const maxLength = effectiveMaxLength(b.tokenizerConfigJson, cfg);
  const size = [b.config, b.tokenizer, b.onnx].reduce((s, p) => s + (existsSync(p) ? statSync(p).size : 0), 0);
  return {
    variant: b.variant,
    variants_on_disk: Object.keys(b.variants),
    architecture: cfg.model_type,
    config_labels: n ? labelNames(cfg, n) : undefined,
    max_length: maxLength,
    size_on_disk: size,
    // what a stream would run: the one rule (engine/cores.ts planLanes), with its reasons
    workers: (await import("../../engine/cores.js")).describeLanes(b.onnx, (await import("../../engine/batching.js")).defaultBatchSize(b.variant)),
    ...(await import("../../model/sentence-bundle.js")).describeSentenceConfig(dir),
  };
}

async function describe(ref: string, opts: InfoCliOptions): Promise<Info> {
  const { formatBytes } = await import("../../hub/progress.js");
  const { localFolderResolver } = await import("../../model/resolver.js");
  const local = await localFolderResolver(ref, { revision: opts.revision });
  if (local) {
    const disk = await fromFolder(local.dir, opts.variant);
    return { ref, source: "local folder", folder: local.dir, ...disk, labels: disk.config_labels, config_labels: undefined, size_on_disk: formatBytes(disk.size_on_disk as number) };
  }
  const { loadCatalog } = await import("../../catalog/catalog.js");
  const { parseHubId } = await import("../../catalog/grammar.js");
  const { entryStatus, repoStatus } = await import("../../catalog/status.js");
  const { planForEntry, pinnedRevision, requireHubForRevision } = await import("../../catalog/materialize.js");
  const { hubCacheDir } = await import("../../hub/env.js");
  const catalog = loadCatalog();
  const hub = parseHubId(ref);
  const found = hub ? catalog.lookup(ref) : catalog.require(ref);
  if (found.kind !== "found") {
    if (!hub) throw new UsageError(`unknown model "${ref}"`);
    // a Hub repo the catalog does not describe
    const revision = pinnedRevision(ref, hub.revision, opts.revision) ?? "main";
    const st = repoStatus(hub.repo, revision, undefined, opts.variant);
    const disk = st.ready && st.dir ? await fromFolder(st.dir, opts.variant) : {};
    return {
      ref,
      source: "Hugging Face Hub (not in the catalog: files chosen from the repo's listing)",
      repo: hub.repo,
      revision,
      commit: st.commit,
      ...disk,
      labels: disk.config_labels,
      config_labels: undefined,
      size_on_disk: disk.size_on_disk ? formatBytes(disk.size_on_disk as number) : undefined,
      cache: st.ready ? `ready in ${st.dir}` : `not downloaded (nlp pull ${ref}); cache: ${hubCacheDir()}`,
    };
  }
  const e = found.entry;
  requireHubForRevision(e, ref, opts.revision);
  const revision = pinnedRevision(ref, found.revision, opts.revision) ?? e.revision;
  const st = entryStatus(e, opts.variant, revision);
  const disk = st.ready && st.dir ? await fromFolder(st.dir, st.variant).catch(() => ({}) as Info) : ({} as Info);
  const configLabels = disk.config_labels as string[] | undefined;
  const generic = !configLabels || isPlaceholderLabels(configLabels);
  const labels = configLabels && !generic ? configLabels : (e.labels ?? configLabels ?? "read from config.json once downloaded");
  const sourceText =
    e.source === "embedded" ? "shipped inside the package (no download)" : e.source === "local" ? "imported folder (nlp import)" : "Hugging Face Hub";
  const variants = e.variants ? Object.keys(e.variants) : undefined;
  const files = e.source === "hub" && e.files !== "auto" && st.variant ? planForEntry(e, st.variant).required : undefined;
  const size = st.variant && e.sizes_mb?.[st.variant];
  return {
    ref: e.ref,
    matched: found.via === "ref" ? undefined : `${ref} (${found.via === "default" ? "task/language default" : found.via})`,
    aliases: e.aliases.length ? e.aliases : undefined,
    stands_in_for: e.stands_in_for ? `${e.stands_in_for.model}: ${e.stands_in_for.note}` : undefined,
    task: e.task,
    description: e.description,
    languages: e.languages,
    architecture: e.architecture,
    source: sourceText,
    repo: e.repo,
    revision: e.source === "hub" ? revision : undefined,
    commit: st.commit,
    folder: e.source !== "hub" ? st.dir : undefined,
    variant: st.variant,
    variants,
    files: files ?? (e.files === "auto" ? "chosen from the repo's file list at download" : undefined),
    optional_files: e.optional_files,
    // an embedder has no labels: what its files say about pooling is shown instead, once downloaded
    labels: e.task === "embed" ? undefined : labels,
    labels_note: e.labels_note,
    max_length: disk.max_length ?? "read from tokenizer_config.json once downloaded",
    ...Object.fromEntries(Object.entries(disk).filter(([k]) => k.startsWith("embedding_"))),
    size: size ? `~${size} MB (${st.variant})` : undefined,
    size_on_disk: disk.size_on_disk ? formatBytes(disk.size_on_disk as number) : undefined,
    workers: disk.workers,
    cache: st.ready
      ? e.source === "hub"
        ? `ready in ${st.dir}`
        : "ready"
      : e.source === "hub"
        ? `not downloaded: run \`nlp pull ${e.ref}\` (cache: ${hubCacheDir()})`
        : `missing: ${st.missing.join(", ")}`,
    upstream: e.upstream,
    dataset: e.dataset,
    license: e.license ?? "unknown (see the repo's model card)",
    reported_accuracy: e.reported_accuracy ?? "none reported",
    confidence: e.confidence ? `${e.confidence} (${CONFIDENCE[e.confidence] ?? ""})` : undefined,
    evidence: e.evidence,
    notes: e.notes,
    catalog: catalog.originOf(e) === "user" ? "yours (nlp import)" : "built-in",
  };
}

const CONFIDENCE: Record<string, string> = {
  A: "seen in transformers.js tests or docs",
  B: "in transformers.js' supported-models list",
  C: "Hub file listing seen",
  D: "inferred, not seen",
};
