/**
 * Checks input bytes on their way to a reader: text never holds a NUL byte,
 * so one means binary (or UTF-16) input, which would otherwise turn into
 * garbage predictions. Also counts bytes, for progress against the file size.
 */
import { InputError } from "../errors.js";

export interface GuardedSource {
  stream: AsyncIterable<Buffer | string>;
  /** bytes read so far */
  bytesRead(): number;
}

export function guardSource(stream: AsyncIterable<Buffer | string>, name: string): GuardedSource {
  let bytes = 0;
  async function* guarded(): AsyncGenerator<Buffer | string> {
    let chunks: AsyncIterator<Buffer | string>;
    try {
      chunks = stream[Symbol.asyncIterator]();
    } catch (err) {
      throw readError(name, err);
    }
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw readError(name, err);
      }
      if (next.done) return;
      const chunk = next.value;
      if (typeof chunk !== "string") {
        const nul = chunk.indexOf(0);
        if (nul >= 0) {
          throw new InputError(
            `${name} looks binary (a NUL byte at byte ${bytes + nul + 1}); nlp reads UTF-8 text (lines, JSONL, CSV, TSV) — convert UTF-16 with \`iconv -f UTF-16 -t UTF-8\`, or decompress first (e.g. zcat file.gz | nlp …)`,
          );
        }
        bytes += chunk.length;
      } else bytes += Buffer.byteLength(chunk);
      yield chunk;
    }
  }
  return { stream: guarded(), bytesRead: () => bytes };
}

/** A file that cannot be read (permissions, an I/O error): one line naming it, not an "unexpected error". */
function readError(name: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof InputError || typeof e?.code !== "string" || !e.syscall) return err;
  return new InputError(`cannot read ${name}: ${e.message}`, 1, { cause: err });
}
