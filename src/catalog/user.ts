/**
 * The user's own catalog: `nlp import <folder> --as <ref>` checks the folder
 * is a working bundle for its task (loaded by the loader the task's command
 * uses) and records it, so the ref works everywhere a catalog ref does.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { UsageError } from "../errors.js";
import { atomicWrite } from "../hub/cache-layout.js";
import { isPlaceholderLabels } from "../engine/postprocess.js";
import { readBundle } from "../model/bundle.js";
import { loadCatalog, readCatalogFile } from "./catalog.js";
import { canonicalKey, defaultRequest, isLanguage, parseRef } from "./grammar.js";
import { TASKS, catalogProblems, taskModel, type CatalogEntry, type CatalogFile, type TaskModel } from "./schema.js";
import { userCatalogPath } from "./user-path.js";

export interface ImportOptions {
  ref: string;
  task?: string;
  languages?: string[];
  labels?: string[];
  description?: string;
  force?: boolean;
}

export function readUserCatalog(path = userCatalogPath()): CatalogFile {
  return existsSync(path) ? readCatalogFile(path, "your model catalog", true) : { version: 1, models: [] };
}

export async function importFolder(folder: string, opts: ImportOptions): Promise<{ entry: CatalogEntry; labels: string[]; catalogPath: string }> {
  const ref = opts.ref.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref) || ref.endsWith(".")) {
    throw new UsageError(`--as "${opts.ref}" is not a usable reference: use letters, digits, ".", "_" and "-", e.g. en.classify.bert.tickets`);
  }
  if (defaultRequest(ref)) throw new UsageError(`--as "${ref}" names a task or language default; pick a more specific name, e.g. en.classify.bert.${ref.replace(/\W/g, "_")}_mine`);
  if (opts.task !== undefined && !(TASKS as readonly string[]).includes(opts.task)) throw new UsageError(`unknown --task "${opts.task}"; use one of ${TASKS.join(", ")}`);
  const parsed = parseRef(ref);
  const languages = opts.languages?.length ? opts.languages.map((l) => l.toLowerCase()) : [parsed.langGiven ? parsed.lang : "xx"];
  const badLang = languages.find((l) => !isLanguage(l));
  if (badLang) throw new UsageError(`--lang "${badLang}" is not an ISO 639-1 code (or xx for many languages)`);

  const dir = resolvePath(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`model folder not found: ${folder}`);

  const catalog = loadCatalog();
  const clash = catalog.entries.find((e) => [e.ref, ...e.aliases].some((n) => canonicalKey(n) === canonicalKey(ref)));
  if (clash && !opts.force) {
    throw new UsageError(
      catalog.originOf(clash) === "user"
        ? `you already imported ${clash.ref} (from ${clash.path}); add --force to replace it`
        : `${ref} is the built-in model ${clash.ref}; pick another name, or add --force to shadow it with yours`,
    );
  }

  // The config says which model the folder is; the task must be one that model's command runs.
  const bundle = readBundle(dir);
  const { configJson } = bundle;
  const made = configModel(dir, configJson.architectures ?? []) ?? (await graphModel(bundle.onnx));
  const task = opts.task ?? defaultTask(folder, made, parsed);
  const wanted = taskModel(task);
  if (made && made.model !== wanted) {
    throw new UsageError(`${folder} is ${MODEL_WORDS[made.model]} (${made.why}) and --task ${task} needs ${MODEL_WORDS[wanted]}: import it with ${TASK_HINTS[made.model]}`);
  }

  // A real load with the loader of the task's command: files, JSON, tokenizer, ONNX graph, label count.
  const { labels } = await loadForTask(dir, wanted);
  if (opts.labels && !labels.length) throw new UsageError(`--labels names classes, and ${folder} is an embedding model with none`);
  const width = labels.length;
  if (opts.labels && (opts.labels.length !== width || opts.labels.some((l) => !l))) {
    throw new UsageError(`--labels gives ${opts.labels.length} names but the model has ${width} labels (${labels.join(", ")})`);
  }
  const generic = isPlaceholderLabels(labels);
  if (opts.labels && !generic) throw new UsageError(`the model's config already names its labels (${labels.join(", ")}); --labels only replaces LABEL_0, LABEL_1, …`);
  // as nlp rerank refuses it: a cross-encoder gives one score per (query, document) pair
  if (task === "rerank" && width !== 1) {
    throw new UsageError(`${folder} has ${width} labels and a reranker (cross-encoder) has one score: import it with ${CLASSIFY_HINT}`);
  }
  const entry: CatalogEntry = {
    ref,
    aliases: [],
    task,
    ...(opts.description ? { description: opts.description } : {}),
    languages,
    architecture: configJson.model_type,
    source: "local",
    path: dir,
    labels: opts.labels ?? null,
    notes: `imported with nlp import on ${new Date().toISOString().slice(0, 10)}`,
  };
  const path = userCatalogPath();
  const user = readUserCatalog(path);
  user.models = [entry, ...user.models.filter((e) => canonicalKey(e.ref) !== canonicalKey(ref))];
  const problems = catalogProblems(user, { user: true });
  if (problems.length) throw new UsageError(`cannot import: ${problems[0]}`);
  atomicWrite(path, JSON.stringify(user, null, 2) + "\n");
  return { entry, labels: opts.labels && generic ? opts.labels : labels, catalogPath: path };
}

const MODEL_WORDS: Record<TaskModel, string> = {
  token: "a token-classification model",
  embed: "a sentence-embedding model",
  sequence: "a text-classification model",
};

const CLASSIFY_HINT = "--task sentiment, topic, intent, … or other";

const TASK_HINTS: Record<TaskModel, string> = {
  token: "--task ner, pos or pii",
  embed: "--task embed",
  sequence: `${CLASSIFY_HINT} (rerank for a one-score cross-encoder)`,
};

/**
 * What the config says the folder is, from its head (transformers' architectures): a token or sequence
 * classifier, or a bare encoder (…Model) or sentence-transformers folder (modules.json), which only embeds.
 * Other heads: undefined, and the task's loader decides.
 */
export function configModel(dir: string, architectures: string[]): { model: TaskModel; why: string } | undefined {
  const token = architectures.find((a) => a.endsWith("ForTokenClassification"));
  if (token) return { model: "token", why: token };
  const sequence = architectures.find((a) => a.endsWith("ForSequenceClassification"));
  if (sequence) return { model: "sequence", why: sequence };
  const modules = existsSync(join(dir, "modules.json"));
  const bare = architectures.length > 0 && architectures.every((a) => /Model$/.test(a) && !/For[A-Z]/.test(a));
  if (modules || bare) return { model: "embed", why: [...architectures, ...(modules ? ["modules.json"] : [])].join(", ") };
  return undefined;
}

/** A config without architectures (older exports): what the graph's outputs make it — [batch, tokens, labels] logits, [batch, labels], or features only. */
async function graphModel(onnx: string): Promise<{ model: TaskModel; why: string } | undefined> {
  const { graphOutputs } = await import("../engine/session.js");
  const outputs = await graphOutputs(onnx);
  const logits = outputs.get("logits");
  const why = (shape: unknown[]) => `logits [${shape.join(", ")}]`;
  if (logits?.length === 3) return { model: "token", why: why(logits) };
  if (logits?.length === 2) return { model: "sequence", why: why(logits) };
  const features = ["last_hidden_state", "token_embeddings", "sentence_embedding"].find((n) => outputs.has(n));
  if (!outputs.has("logits") && features) return { model: "embed", why: `output ${features}` };
  return undefined;
}

/** Without --task: what the config says when it says one task; for a token classifier, what the ref's action says (ner or pos). */
function defaultTask(folder: string, made: { model: TaskModel; why: string } | undefined, ref: { action: string; actionGiven: boolean }): string {
  if (made?.model === "embed") return "embed";
  if (made?.model === "token") {
    if (ref.actionGiven && (ref.action === "ner" || ref.action === "pos")) return ref.action;
    throw new UsageError(`${folder} is a token-classification model (${made.why}): say what it tags with --task ner, pos or pii`);
  }
  if (ref.actionGiven && ref.action === "rerank") return "rerank";
  if (ref.actionGiven && ref.action === "zero_shot") return "zero-shot";
  return "other";
}

/** Loads the folder as the task's command will (then lets it go): its labels, none for an embedder. */
async function loadForTask(dir: string, model: TaskModel): Promise<{ labels: string[] }> {
  if (model === "embed") {
    const { TextEmbedder } = await import("../tasks/embed/embedder.js");
    await (await TextEmbedder.fromFolder(dir)).dispose();
    return { labels: [] };
  }
  const loaded =
    model === "token"
      ? await (await import("../tasks/ner/token-classifier.js")).TokenClassifier.fromFolder(dir)
      : await (await import("../tasks/classify/classifier.js")).TextClassifier.fromFolder(dir);
  await loaded.dispose();
  return { labels: loaded.labels };
}
