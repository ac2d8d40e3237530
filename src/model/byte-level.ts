/** GPT-2's byte ↔ printable-character table of byte-level BPE (tokenizers' bytes_char), shared by offsets and the decoder. */
function bytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i])]));
}

export const BYTES_TO_UNICODE = bytesToUnicode();
export const UNICODE_TO_BYTES = new Map([...BYTES_TO_UNICODE].map(([b, c]) => [c, b]));
