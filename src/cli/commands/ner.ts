/**
 * `nlp ner`: named entities (or any token labels) per input record, as transformers' token-classification
 * pipeline gives them, in JSON/JSONL/CSV/TSV, one row per entity (--explode), CoNLL or a terminal view.
 */
import { Option, type Command } from "commander";
import { addInputOptions, addModelOptions, floatArg, intArg } from "../common.js";
import type { CliIO } from "../io.js";
import { AGGREGATION_STRATEGIES } from "../../tasks/ner/entities.js";
import { OFFSET_UNITS } from "../../engine/offset-units.js";
import type { NerCliOptions } from "./ner-run.js";

// Registration only: the command's code loads when it runs (see ner-run.ts), so other commands start fast.
export function registerNer(program: Command, io: CliIO): void {
  const cmd = program
    .command("ner")
    .description("named entities (or POS tags) with character offsets, as transformers' token-classification pipeline")
    .argument("[text...]", "texts to tag (else --file, else stdin, one record per line)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  cmd
    .addOption(
      new Option(
        "--aggregation <strategy>",
        "how tokens become entities: none (one record per token), simple (default), first, average or max (the last three never split a word); transformers' own default is none",
      ).choices(AGGREGATION_STRATEGIES),
    )
    .option("--ignore-labels <list>", 'labels to leave out, comma-separated ("" keeps every label)', "O")
    .option("--threshold <t>", "drop entities scoring below t", floatArg("--threshold", 0, 1))
    .option("--stride <n>", "texts longer than the model: overlapping chunks sharing n tokens cover the whole text (default: truncate, as transformers)", intArg("--stride", 0))
    .addOption(new Option("--offsets <unit>", "start/end as codepoints (Python string indices, as Hugging Face) or utf16 (JavaScript string indices)").choices(OFFSET_UNITS).default("codepoints"))
    .option("--server <url>", "client mode: tag the texts on a running `nlp serve` of a token classifier instead of loading a model (also NLP_SERVER)")
    .option("--explode", "one output row per entity, with the 1-based input row number in \"row\"")
    .option("--prefix <p>", "prefix for the added fields/columns (entities, entity_count), e.g. ner_", "")
    .addHelpText(
      "after",
      `
Output: JSON/JSONL {"text", "entities": [{"entity_group", "score", "word", "start", "end"}]} (with
--aggregation none: "entity" and "index" instead of "entity_group"); CSV/TSV keep every input column and
add "entities" (a JSON array) and "entity_count"; --format conll writes "token<TAB>tag" lines (aggregation
none) with a blank line between texts. Slice the text with start/end, not with "word": "word" is the
tokenizer's decoding (transformers' quirks included, e.g. "##s", U+FFFD, "SãoPaulo").

Examples:
  $ nlp ner -m en.ner "Ada Lovelace was born in London."
  $ nlp ner -m ./my-ner --input csv --column body < tickets.csv > tickets-entities.csv
  $ nlp ner -m DIR --aggregation first --input jsonl --text-key text --format jsonl < texts.jsonl
  $ nlp ner -m DIR --stride 128 --format jsonl -f long-report.txt
  $ nlp ner -m en.pos --aggregation none --format conll -f sentences.txt`,
    )
    .action(async (texts: string[], opts: NerCliOptions) => (await import("./ner-run.js")).runNer(texts, opts, io));
}
