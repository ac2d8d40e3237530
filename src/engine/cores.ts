import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Physical cores: ONNX Runtime's matmuls gain nothing from SMT siblings and
 * lose to their contention, so intra-op threads default to this, not to the
 * logical CPU count.
 */
export function physicalCores(): number {
  const logical = availableParallelism();
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const cores = new Set<string>();
    let phys = "0";
    for (const line of info.split("\n")) {
      const [k, v] = line.split(":").map((s) => s?.trim());
      if (k === "physical id") phys = v;
      else if (k === "core id") cores.add(`${phys}:${v}`);
    }
    // Containers may be limited below the host's core count.
    if (cores.size > 0) return Math.max(1, Math.min(cores.size, logical));
  } catch {
    // not Linux: fall through
  }
  return logical;
}
