/** What start/end count: code points (Python string indices, as Hugging Face gives them; the default) or UTF-16 units (JavaScript indices). */
export type OffsetUnit = "codepoints" | "utf16";
// its own module so the CLI can list the choices, and documents convert offsets, without loading the tokenizer (offsets.ts does)
export const OFFSET_UNITS: OffsetUnit[] = ["codepoints", "utf16"];

/** A UTF-16 index of `text` → its code-point index (identity for a text without astral characters). */
export function codePointIndex(text: string): (utf16: number) => number {
  if (!/[\uD800-\uDBFF]/.test(text)) return (i) => i;
  const table = new Int32Array(text.length + 1);
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    table[u] = cp;
    const c = text.charCodeAt(u);
    if (!(c >= 0xdc00 && c <= 0xdfff && u > 0 && text.charCodeAt(u - 1) >= 0xd800 && text.charCodeAt(u - 1) <= 0xdbff)) cp++;
  }
  table[text.length] = cp;
  return (i) => table[Math.max(0, Math.min(i, text.length))];
}
