/**
 * The one way a classifier-shaped model is opened from a folder: its bundle (the chosen ONNX variant),
 * its tokenizer and an ONNX session, refusing a graph whose head belongs to another task.
 */
import { BundleError, UsageError } from "../errors.js";
import { readBundle, type Bundle } from "../model/bundle.js";
import { isPlaceholderLabels, labelNames } from "./postprocess.js";
import { OnnxClassifierSession, type SessionOptions } from "./session.js";
import { planLanes, type LanePlan } from "./cores.js";
import { defaultBatchSize } from "./batching.js";
import { TextTokenizer } from "./tokenizer.js";

export interface OpenedModel {
  bundle: Bundle;
  tokenizer: TextTokenizer;
  session: OnnxClassifierSession;
  /** the sessions the model may run at once and the threads of each (this session is the first) */
  lanes: LanePlan;
}

/**
 * `refuse`: the architecture suffix of the other task's head and what to say (given the folder and the
 * architecture), since reading, e.g., token logits as a text head gives a plausible, wrong label.
 */
export async function openModel(
  dir: string,
  opts: { variant?: string; maxLength?: number; workers?: number; batchSize?: number } & SessionOptions,
  refuse: { head: string; message: (dir: string, architecture: string) => string },
  /** the bundle and plan when the caller read them first (to start worker threads before this session) */
  planned?: { bundle: Bundle; lanes: LanePlan },
): Promise<OpenedModel> {
  const bundle = planned?.bundle ?? readBundle(dir, opts.variant);
  const wrong = bundle.configJson.architectures?.find((a) => a.endsWith(refuse.head));
  if (wrong) throw new UsageError(refuse.message(dir, wrong));
  let tokenizer: TextTokenizer;
  try {
    tokenizer = new TextTokenizer(bundle.tokenizerJson, bundle.tokenizerConfigJson, bundle.configJson, opts.maxLength);
  } catch (err) {
    throw new BundleError(`${bundle.tokenizer} cannot be loaded: ${(err as Error).message}; re-download it or re-save the tokenizer`, 1, { cause: err });
  }
  const lanes = planned?.lanes ?? planFor(bundle, opts);
  // with workers to come, lane 0 runs only until they are up: its threads sleep instead of spinning, which
  // would take the cores the starting workers need (and spinning only pays on a long run)
  const session = await OnnxClassifierSession.create(bundle.onnx, { threads: lanes.firstThreads, fastStart: opts.fastStart || lanes.workers > 1 });
  return { bundle, tokenizer, session, lanes };
}

/**
 * A head's labels: as many as the graph declares (else config.json's id2label or num_labels), named from
 * id2label; catalog labels (`fallback`) replace placeholder LABEL_i names. `configured` is config.json's count.
 */
export function headLabels(
  bundle: Pick<Bundle, "config" | "configJson">,
  declaredWidth: number | undefined,
  fallback: readonly string[] | undefined,
  /** what the graph would declare, for the message: "logits width", "label count" */
  widthName: string,
): { labels: string[]; width: number; configured: number } {
  const cfg = bundle.configJson;
  const configured = Object.keys(cfg.id2label ?? {}).length || (typeof cfg.num_labels === "number" ? cfg.num_labels : 0);
  const width = declaredWidth ?? configured;
  if (width === 0) throw new BundleError(`${bundle.config} has no id2label and the graph does not declare its ${widthName}; add id2label to config.json`);
  const named = labelNames(cfg, width);
  const labels = isPlaceholderLabels(named) && fallback?.length === width ? [...fallback] : named;
  return { labels, width, configured };
}

/** The lanes a bundle runs on with these options (engine/cores.ts planLanes, at the model's batch size). */
export function planFor(bundle: Pick<Bundle, "onnx" | "variant">, opts: { workers?: number; threads?: number; batchSize?: number }): LanePlan {
  return planLanes(bundle.onnx, { ...opts, batchSize: opts.batchSize ?? defaultBatchSize(bundle.variant) });
}
