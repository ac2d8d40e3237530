// SST-2's TSV: a header, then `sentence<TAB>label`; sentences hold no tabs or quoting.
import { readFileSync } from "node:fs";

export function* readTsv(path) {
  const lines = readFileSync(path, "utf8").split("\n");
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const tab = line.lastIndexOf("\t");
    yield { text: line.slice(0, tab), label: Number(line.slice(tab + 1)) };
  }
}
