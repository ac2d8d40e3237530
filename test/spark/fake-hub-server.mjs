// The tests' fake Hub as a process for the Python Spark test: prints {"endpoint"} once listening; each
// "log" line on stdin is answered with the requests seen so far (one JSON line); stdin's end stops it.
import { createInterface } from "node:readline";
import { startFakeHub } from "../fake-hub.mjs";
import { fakeRepos } from "../hub-env.mjs";

const hub = await startFakeHub({ repos: fakeRepos() });
process.stdout.write(JSON.stringify({ endpoint: hub.endpoint }) + "\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "log") process.stdout.write(JSON.stringify(hub.requests().map((r) => ({ server: r.server, method: r.method, url: r.url }))) + "\n");
}
await hub.close();
process.exit(0);
