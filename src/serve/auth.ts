/** The bearer-key check of `nlp serve`: both sides hashed first, so the comparison takes the same time whatever the key's length or first wrong byte. */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** A check for `Authorization: Bearer <key>`; the expected header is hashed once. */
export function bearerCheck(key: string): (header: string | undefined) => boolean {
  const want = digest(`Bearer ${key}`);
  return (header) => timingSafeEqual(digest(header ?? ""), want) && header !== undefined;
}
