/**
 * The one way a classifier-shaped model is opened from a folder: its bundle (the chosen ONNX variant),
 * its tokenizer and an ONNX session, refusing a graph whose head belongs to another task.
 */
import { BundleError, UsageError } from "../errors.js";
import { readBundle, type Bundle } from "../model/bundle.js";
import { OnnxClassifierSession } from "./session.js";
import { TextTokenizer } from "./tokenizer.js";

export interface OpenedModel {
  bundle: Bundle;
  tokenizer: TextTokenizer;
  session: OnnxClassifierSession;
}

/**
 * `refuse`: the architecture suffix of the other task's head and what to say (given the folder and the
 * architecture), since reading, e.g., token logits as a text head gives a plausible, wrong label.
 */
export async function openModel(
  dir: string,
  opts: { variant?: string; maxLength?: number; threads?: number },
  refuse: { head: string; message: (dir: string, architecture: string) => string },
): Promise<OpenedModel> {
  const bundle = readBundle(dir, opts.variant);
  const wrong = bundle.configJson.architectures?.find((a) => a.endsWith(refuse.head));
  if (wrong) throw new UsageError(refuse.message(dir, wrong));
  let tokenizer: TextTokenizer;
  try {
    tokenizer = new TextTokenizer(bundle.tokenizerJson, bundle.tokenizerConfigJson, bundle.configJson, opts.maxLength);
  } catch (err) {
    throw new BundleError(`${bundle.tokenizer} cannot be loaded: ${(err as Error).message}; re-download it or re-save the tokenizer`, 1, { cause: err });
  }
  const session = await OnnxClassifierSession.create(bundle.onnx, { threads: opts.threads });
  return { bundle, tokenizer, session };
}
