import type { Command } from "commander";
import { createWriter, parseOutputFormat } from "../../io/output.js";
import { addInputOptions, addModelOptions, type InputCliOptions, type ModelCliOptions } from "../common.js";
import { loadForCli, openInput } from "../runtime.js";

export function registerTokenize(program: Command): void {
  const cmd = program
    .command("tokenize")
    .description("show the exact tokens and input_ids the model receives (after truncation, special tokens included)")
    .argument("[text...]", "texts to tokenize (else --file, else stdin)");
  addModelOptions(cmd);
  addInputOptions(cmd);
  cmd
    .addHelpText(
      "after",
      `
Examples:
  $ nlp tokenize -m ./my-bundle "Hello world"
  $ nlp tokenize --model DIR --input jsonl --text-key text --format jsonl < texts.jsonl`,
    )
    .action(async (texts: string[], opts: ModelCliOptions & InputCliOptions) => {
      const format = parseOutputFormat(opts.format, Boolean(process.stdout.isTTY));
      const { model, texts: rest } = await loadForCli(opts, texts);
      const input = await openInput(rest, opts);
      const writer = createWriter(format, process.stdout, { columns: ["text", "tokens", "ids", "length", "truncated"] });
      for await (const r of input.records) {
        const e = model.encode(r.text);
        await writer.write({ text: r.text, tokens: e.tokens, ids: e.ids, length: e.ids.length, truncated: e.fullLength > e.ids.length });
      }
      await writer.end();
    });
}
