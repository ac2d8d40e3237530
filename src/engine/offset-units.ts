/** What start/end count: code points (Python string indices, as Hugging Face gives them; the default) or UTF-16 units (JavaScript indices). */
export type OffsetUnit = "codepoints" | "utf16";
// its own module so the CLI can list the choices without loading the tokenizer (offsets.ts does)
export const OFFSET_UNITS: OffsetUnit[] = ["codepoints", "utf16"];
