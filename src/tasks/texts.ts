/**
 * Texts as a JavaScript caller passes them, checked where they enter the library: a number or null would
 * otherwise fail deep in the tokenizer with a TypeError that names nothing ("undefined is not a function"),
 * or be embedded as its decimal string.
 */
import { UsageError } from "../errors.js";

const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

/** A method's `texts` argument (one string or an array of them) as a list. */
export function textList(texts: unknown): readonly string[] {
  if (typeof texts === "string") return [texts];
  if (Array.isArray(texts)) return texts as readonly string[];
  throw new UsageError(`\`texts\` must be a string or an array of strings, got ${kind(texts)}`);
}

/**
 * `textOf` checked: each item's text must be a string. Call the result once per item, in input order (`n`
 * counts the items, 1-based, for the message).
 */
export function checkedTextOf<T>(textOf: (item: T) => unknown): (item: T) => string {
  let n = 0;
  return (item: T) => {
    const text = textOf(item);
    n++;
    if (typeof text !== "string") throw new UsageError(`text ${n} is ${kind(text)}, not a string; pass texts as strings`);
    return text;
  };
}
