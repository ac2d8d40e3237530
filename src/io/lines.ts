import { StringDecoder } from "node:string_decoder";

/**
 * Splits a byte stream into lines without loading it whole. Invalid UTF-8
 * becomes U+FFFD (never a crash); "\r\n" and "\n" end a line; a last line
 * without a newline still counts; a trailing newline adds no empty record.
 */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let first = true;
  for await (const chunk of stream) {
    let text = carry + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM is not part of the first text
      first = false;
    }
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield text.slice(start, end);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry.length > 0) yield carry.endsWith("\r") ? carry.slice(0, -1) : carry;
}
