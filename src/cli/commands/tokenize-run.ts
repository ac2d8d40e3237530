import type { CliIO } from "../io.js";
import { createWriter, parseOutputFormat } from "../../io/output.js";
import { type InputCliOptions, type ModelCliOptions } from "../common.js";
import { checkInput, loadForCli, openInput } from "../runtime.js";
import { interruptible } from "../interrupt.js";
import { RunNotices } from "../notices.js";

export async function runTokenize(texts: string[], opts: ModelCliOptions & InputCliOptions, io: CliIO): Promise<void> {
  const format = parseOutputFormat(opts.format, Boolean(io.stdout.isTTY));
  checkInput(texts, opts, io);
  const { model, texts: rest } = await loadForCli(opts, texts, io);
  const input = await openInput(rest, opts, io);
  const table = { text: { width: 40, min: 12 }, tokens: { width: 60, min: 12 }, ids: { width: 60, min: 12 }, length: { width: 6 }, truncated: { width: 9 } };
  const writer = createWriter(format, io.stdout, { env: io.env, columns: ["text", "tokens", "ids", "length", "truncated"], table });
  const notices = new RunNotices({ maxLength: model.tokenizer.maxLength, userLimit: false, fullText: opts.fullText });
  const stop = interruptible(input.records, io.signals);
  let written = 0;
  for await (const r of stop.items) {
    const e = model.encode(r.text);
    await writer.write({ text: notices.echo(r.text), tokens: e.tokens, ids: e.ids, length: e.ids.length, truncated: e.fullLength > e.ids.length });
    written++;
  }
  await writer.end();
  stop.finish(written);
  if (!opts.quiet) for (const line of notices.lines()) io.stderr.write(`nlp: ${line}\n`);
}
