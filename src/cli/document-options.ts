/**
 * The classify flags for long documents, sentence level and zero-shot, and
 * the glue that runs them for the CLI: records in, scored results out (one per
 * document, or one per sentence with --level sentence), error records for
 * texts zero-shot refuses.
 */
import { Option, type Command } from "commander";
import { OFFSET_UNITS } from "../engine/offset-units.js";
import { LEVELS, LONG_MODES } from "../tasks/classify/modes.js";
import { intArg } from "./common.js";

export interface DocumentCliOptions {
  long?: string;
  stride?: number;
  level?: string;
  labels?: string;
  hypothesis?: string;
  multiLabel?: boolean;
  offsets?: string;
}

export function addDocumentOptions(cmd: Command): Command {
  addLongOptions(cmd)
    .addOption(new Option("--level <level>", "document (default) or sentence: one record per sentence with doc, sentence, begin, end").choices(LEVELS))
    .addOption(new Option("--offsets <unit>", "with --level sentence: begin/end as codepoints (Python string indices, the default, as nlp ner) or utf16 (JavaScript string indices)").choices(OFFSET_UNITS));
  return addZeroShotOptions(cmd);
}

/** --long and --stride (classify and eval). */
export function addLongOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--long <mode>", "texts longer than the model's limit: truncate (as transformers), chunk (overlapping windows, averaged) or sentences (each sentence, averaged)").choices(
        LONG_MODES,
      ),
    )
    .option("--stride <n>", "with --long chunk: tokens shared by consecutive windows (default 0)", intArg("--stride", 0));
}

/** --labels, --hypothesis, --multi-label (classify and eval). */
export function addZeroShotOptions(cmd: Command): Command {
  return cmd
    .option("--labels <list>", 'zero-shot with an NLI model: comma-separated candidate labels, e.g. "sports,politics,tech"')
    .option("--hypothesis <template>", 'zero-shot hypothesis, {} marks the label (default "This example is {}.")')
    .option("--multi-label", "zero-shot: score each label on its own instead of making them compete");
}

