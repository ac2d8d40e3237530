// `nlp serve` and the client mode used the way hostile clients, broken proxies and busy machines use them: HEAD
// requests, bodies that are not UTF-8, clients that hang up mid-body, a busy port, options the model refuses.
// Each test here failed before its fix (see the commit that added it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { ROOT, runInProcess } from "./helpers.mjs";
import { load, loadEmbedder, serve } from "../dist/index.js";

const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");
const EMBEDDER = join(ROOT, "test", "fixtures", "hf-embed", "bert");

let model;
let server;
const logged = [];
before(async () => {
  model = await load(EMBEDDED);
  server = await serve(model, { port: 0, payloadLimit: 65536, log: (l) => logged.push(l) });
});
after(async () => {
  await server?.close();
});

const metric = async (url, line) => {
  const text = await (await fetch(url + "/metrics")).text();
  const hit = text.split("\n").find((l) => l.startsWith(line + " "));
  return hit === undefined ? undefined : Number(hit.split(" ")[1]);
};

test("HEAD on a GET route answers as GET without a body (curl -I, load balancers' checks), as TEI's router does", async () => {
  const health = await fetch(server.url + "/health", { method: "HEAD" });
  assert.equal(health.status, 200);
  const info = await fetch(server.url + "/info", { method: "HEAD" });
  assert.equal(info.status, 200);
  assert.equal(info.headers.get("content-type"), "application/json");
  assert.equal(await info.text(), "");
  const wrong = await fetch(server.url + "/health", { method: "POST" });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET, HEAD");
  assert.equal((await fetch(server.url + "/predict", { method: "HEAD" })).status, 405, "HEAD only where GET is");
});

test("a body that is not UTF-8 is a 400, not texts silently changed to U+FFFD", async () => {
  const body = Buffer.concat([Buffer.from('{"inputs": "caf'), Buffer.from([0xe9]), Buffer.from(' au lait"}')]);
  for (const path of ["/predict", "/tokenize"]) {
    const r = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(r.status, 400, path);
    const e = await r.json();
    assert.equal(e.error_type, "Validation");
    assert.match(e.error, /UTF-8/);
  }
});

test("a client that hangs up mid-body is logged and counted as 499 (client closed), not as a server error 500", async () => {
  logged.length = 0;
  await new Promise((resolve, reject) => {
    const s = connect(server.port, "127.0.0.1", () => {
      s.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inputs":');
      setTimeout(() => s.destroy(), 50);
    });
    s.on("error", reject);
    s.on("close", resolve);
  });
  for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(logged.join("\n"), /POST \/predict 499 /);
  assert.equal(await metric(server.url, 'nlp_requests_total{route="/predict",status="500"}'), undefined);
  assert.equal(await metric(server.url, 'nlp_requests_total{route="/predict",status="499"}'), 1);
});

test("a busy port is a one-line usage error naming --port, not an 'unexpected error'", async () => {
  await assert.rejects(serve(model, { port: server.port }), (err) => err.name === "UsageError" && /port \d+ .*in use/.test(err.message));
  const r = await runInProcess(["serve", "-m", EMBEDDED, "--port", String(server.port), "-q"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--port/);
  assert.doesNotMatch(r.stderr, /unexpected error/);
});

test("an option the model refuses is a 422 for its requests, not a model failure in /metrics", async () => {
  const s = await serve(await loadEmbedder(EMBEDDER), { port: 0 });
  try {
    const r = await fetch(s.url + "/embed", { method: "POST", body: JSON.stringify({ inputs: "x", dimensions: 1000 }) });
    assert.equal(r.status, 422);
    assert.match((await r.json()).error, /dimensions/);
    assert.equal(await metric(s.url, "nlp_inference_failures_total"), 0);
  } finally {
    await s.close();
  }
});
