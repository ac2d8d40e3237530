/** "Did you mean …": the known names closest to what the user typed. */

/**
 * Edit distance counting insert, delete, substitute and a swap of two adjacent
 * characters as one edit each (optimal string alignment): "imbd" is one typo
 * from "imdb", not two. Three rows of memory.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        cur[j] = Math.min(cur[j], before[j - 2] + 1);
      }
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length];
}

/**
 * Up to `max` candidates, closest first: those within a distance that grows
 * with the length typed (a third of it, at least 2), plus candidates that
 * contain what was typed (so "imdb" finds every IMDB model).
 */
export function suggest(typed: string, candidates: Iterable<string>, max = 3): string[] {
  const t = typed.trim().toLowerCase().replace(/\.+$/, "");
  if (!t) return [];
  const limit = Math.max(2, Math.floor(t.length / 3));
  const scored: { c: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (seen.has(lc)) continue;
    seen.add(lc);
    const d = editDistance(t, lc);
    if (d <= limit) scored.push({ c, d });
    else if (t.length >= 3 && lc.includes(t)) scored.push({ c, d: limit + 1 + (lc.length - t.length) / 100 });
  }
  return scored
    .sort((x, y) => x.d - y.d || x.c.length - y.c.length || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((s) => s.c);
}
