/**
 * The one grapheme segmenter, made on first use: creating an Intl.Segmenter loads ICU's break rules (~10 ms),
 * which a command that never segments (most texts never reach it) should not pay at start.
 */
let segmenter: Intl.Segmenter | undefined;
export function graphemeSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return segmenter;
}
