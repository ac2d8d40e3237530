/**
 * The user's own catalog: `nlp import <folder> --as <ref>` checks the folder
 * is a working bundle and records it, so the ref works everywhere a catalog
 * ref does.
 */
import { existsSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { UsageError } from "../errors.js";
import { atomicWrite } from "../hub/cache-layout.js";
import { isPlaceholderLabels } from "../engine/postprocess.js";
import { loadCatalog, readCatalogFile } from "./catalog.js";
import { canonicalKey, defaultRequest, isLanguage, parseRef } from "./grammar.js";
import { TASKS, catalogProblems, type CatalogEntry, type CatalogFile } from "./schema.js";
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
  const task = opts.task ?? "other";
  if (!(TASKS as readonly string[]).includes(task)) throw new UsageError(`unknown --task "${task}"; use one of ${TASKS.join(", ")}`);
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

  // A real load: the folder must work as a bundle (files, JSON, tokenizer, ONNX graph, label count).
  const { TextClassifier } = await import("../tasks/classify/classifier.js");
  const model = await TextClassifier.fromFolder(dir);
  await model.dispose();
  const width = model.labels.length;
  if (opts.labels && (opts.labels.length !== width || opts.labels.some((l) => !l))) {
    throw new UsageError(`--labels gives ${opts.labels.length} names but the model has ${width} labels (${model.labels.join(", ")})`);
  }
  const generic = isPlaceholderLabels(model.labels);
  if (opts.labels && !generic) throw new UsageError(`the model's config already names its labels (${model.labels.join(", ")}); --labels only replaces LABEL_0, LABEL_1, …`);
  const entry: CatalogEntry = {
    ref,
    aliases: [],
    task,
    ...(opts.description ? { description: opts.description } : {}),
    languages,
    architecture: model.info.modelType,
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
  return { entry, labels: opts.labels && generic ? opts.labels : model.labels, catalogPath: path };
}
