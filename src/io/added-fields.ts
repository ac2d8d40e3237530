/**
 * The one rule for names a command adds to an echoed input record (CSV row,
 * JSONL object): never overwrite an input field. When an added name is taken,
 * every added name gets "pred_" in front (again, until none is taken), and the
 * caller says so once on stderr. Names are settled on the first record so every
 * output record has the same fields.
 */
export const CLASH_PREFIX = "pred_";

export interface SettledNames {
  prefix: string;
  /** the input fields that forced CLASH_PREFIX (empty when none did) */
  clash: string[];
}

export function clashFreePrefix(inputFields: readonly string[], added: (prefix: string) => readonly string[], prefix: string): SettledNames {
  const taken = new Set(inputFields);
  const clash = added(prefix).filter((n) => taken.has(n));
  let p = prefix;
  while (added(p).some((n) => taken.has(n))) p = CLASH_PREFIX + p;
  return { prefix: p, clash };
}

/** The stderr notice for a settled clash. */
export function clashNotice(settled: SettledNames, added: readonly string[]): string {
  return `the input already has ${settled.clash.map((c) => JSON.stringify(c)).join(", ")}: kept as is; the added fields are ${added.join(", ")} (--prefix <p> to name them)`;
}
