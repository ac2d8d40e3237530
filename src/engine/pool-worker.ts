/**
 * A worker thread of a LanePool (pool.ts): builds the task's runner from the spec it was started with and
 * runs one job at a time, answering with the result (its typed arrays moved, not copied) or the error.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildRunner, serializeError, transferables, type Runner, type RunnerSpec } from "./pool.js";

const port = parentPort!;
let runner: Runner<unknown, unknown>;
try {
  runner = await buildRunner(workerData as RunnerSpec);
  port.postMessage({ type: "ready" });
} catch (err) {
  port.postMessage({ type: "setup-error", error: serializeError(err) });
  process.exit(0);
}

// one job at a time, answered in the order given (the pool matches answers to jobs by that order)
let last: Promise<void> = Promise.resolve();
port.on("message", (m: { type: string; job: unknown }) => {
  if (m.type === "close") {
    // after the jobs already given: release the session, then end this thread
    last = last.then(async () => {
      await runner.dispose();
      process.exit(0);
    });
    return;
  }
  if (m.type !== "run") return;
  last = last.then(() =>
    runner.run(m.job).then(
      (result) => port.postMessage({ type: "result", result }, transferables(result)),
      (err) => port.postMessage({ type: "error", error: serializeError(err) }),
    ),
  );
});
