// `nlp serve` and the client mode used the way hostile clients, broken proxies and busy machines use them: HEAD
// requests, bodies that are not UTF-8, clients that hang up mid-body, a busy port, options the model refuses,
// servers that answer garbage or cut the answer, windows over the server's payload limit. Each test here failed
// before its fix (see the commit that added it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { ROOT, jsonl, runCli, runInProcess } from "./helpers.mjs";
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

test("an option the model refuses is a 422 for its requests, not a model failure in /metrics; the client mode exits 2 for it, as the local run", async () => {
  const s = await serve(await loadEmbedder(EMBEDDER), { port: 0 });
  try {
    const r = await fetch(s.url + "/embed", { method: "POST", body: JSON.stringify({ inputs: "x", dimensions: 1000 }) });
    assert.equal(r.status, 422);
    assert.match((await r.json()).error, /dimensions/);
    assert.equal(await metric(s.url, "nlp_inference_failures_total"), 0);
    const local = await runInProcess(["embed", "-m", EMBEDDER, "--dimensions", "1000", "x"]);
    const remote = await runInProcess(["embed", "--server", s.url, "--dimensions", "1000", "x"]);
    assert.equal(local.code, 2, local.stderr);
    assert.equal(remote.code, 2, remote.stderr);
    assert.match(remote.stderr, /`?dimensions`? 1000 is more than the model's 32 dimensions/);
  } finally {
    await s.close();
  }
});

/** A server that speaks /info as nlp serve's classifier and answers /predict as `answer` says. */
async function fakeServer(answer) {
  const info = {
    model_id: "fake",
    model_type: { classifier: { id2label: { 0: "NEGATIVE", 1: "POSITIVE" } } },
    max_input_length: 128,
    max_client_batch_size: 8,
    task: "text-classification",
    variant: "int8",
    function: "softmax",
  };
  const s = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    if (req.url.endsWith("/info")) return void res.end(JSON.stringify(info));
    answer(JSON.parse(body).inputs.length, req, res);
  });
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${s.address().port}`, close: () => new Promise((r) => (s.closeAllConnections(), s.close(r))) };
}

test("client mode: an answer that does not fit the server's /info (other labels, not lists) is exit 1 with what is wrong, never rows of made-up scores", async () => {
  const cases = [
    [(n) => Array.from({ length: n }, () => [{ label: "LABEL_1", score: 1 }, { label: "LABEL_0", score: -1 }]), /LABEL_1/],
    [(n) => Array.from({ length: n }, () => 5), /prediction/],
    [(n) => Array.from({ length: n }, () => [{ label: "POSITIVE", score: "high" }, { label: "NEGATIVE", score: -1 }]), /prediction/],
  ];
  for (const [body, why] of cases) {
    const fake = await fakeServer((n, req, res) => res.end(JSON.stringify(body(n))));
    try {
      const r = await runInProcess(["classify", "--server", fake.url, "--format", "jsonl"], { input: "a\nb\n" });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`the nlp server at ${fake.url} answered .*`));
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /unexpected error/);
    } finally {
      await fake.close();
    }
  }
});

test("client mode: a server that cuts its answer mid-body is reported as such, not as a server that cannot be reached", async () => {
  const fake = await fakeServer((n, req, res) => {
    res.writeHead(200, { "content-length": "1000" });
    res.write('[[{"label":');
    setTimeout(() => req.socket.destroy(), 20);
  });
  try {
    const r = await runInProcess(["classify", "--server", fake.url], { input: "a\n" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /closed the connection .*POST \/predict/);
    assert.doesNotMatch(r.stderr, /cannot reach/);
  } finally {
    await fake.close();
  }
});

test("client mode: a window of texts over the server's payload limit is sent in smaller requests (the local run's output); one text over it is exit 1 naming --payload-limit", async () => {
  // 8 texts of ~20 KB: 160 KB in one request, over the server's 64 KiB
  const texts = Array.from({ length: 8 }, (_, i) => `${i % 2 ? "awful" : "lovely"} film number ${i}. `.repeat(800));
  const input = texts.join("\n") + "\n";
  const local = await runInProcess(["classify", "-m", EMBEDDED, "--format", "jsonl"], { input });
  const remote = await runInProcess(["classify", "--server", server.url, "--format", "jsonl"], { input });
  assert.equal(remote.code, 0, remote.stderr);
  assert.equal(remote.stdout, local.stdout);
  assert.equal(remote.stderr, local.stderr, "the same notices (texts cut at 128 tokens)");
  assert.equal(jsonl(remote.stdout).length, 8);
  const huge = await runInProcess(["classify", "--server", server.url, "--format", "jsonl", "--batch-size", "1"], { input: "short\n" + "word ".repeat(20000) + "\n" });
  assert.equal(huge.code, 1);
  assert.equal(jsonl(huge.stdout).length, 1, "the rows of the windows before it are written");
  assert.match(huge.stderr, /--payload-limit/);
});

/** POSTs `mb` MB to `url` `times` times from another process (in this one the server's and the client's writes share
 * one event loop, and the race below never shows); resolves the status or the error code of each. */
function postFromChild(url, mb, chunked, times) {
  const script = `
    const { request } = require("node:http");
    const body = Buffer.alloc(${mb} * 1e6, 0x61);
    (async () => {
      const out = [];
      for (let i = 0; i < ${times}; i++) out.push(await new Promise((resolve) => {
        const req = request(${JSON.stringify(url)}, { method: "POST", headers: ${chunked} ? {} : { "content-length": body.length } }, (res) => {
          res.resume(); res.on("end", () => resolve(res.statusCode)); res.on("error", (e) => resolve(e.code));
        });
        req.on("error", (e) => resolve(e.code));
        req.end(body);
      }));
      process.stdout.write(JSON.stringify(out));
    })();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => resolve(JSON.parse(out)));
  });
}

test("a body far over the payload limit gets its 413, not a connection reset, while the client is still sending it", async () => {
  // declared (answered before it is read) and chunked (answered at the limit): closing on a client still writing
  // makes its kernel drop the 413 it was sent, and the client sees ECONNRESET
  for (const chunked of [false, true]) assert.deepEqual(await postFromChild(server.url + "/predict", 8, chunked, 4), [413, 413, 413, 413], chunked ? "chunked" : "declared");
  // the client mode meets it when it splits a window: 8 texts of ~1 MB each, far over the 64 KiB limit, each alone too
  const texts = Array.from({ length: 8 }, (_, i) => `${i % 2 ? "awful" : "lovely"} film number ${i}. `.repeat(40000));
  const remote = await runCli(["classify", "--server", server.url, "--format", "tsv"], { input: texts.join("\n") + "\n" });
  assert.equal(remote.code, 1, "each text alone is over the limit: the run fails");
  assert.match(remote.stderr, /over the payload limit .*--payload-limit/, remote.stderr);
});

test("client mode: an address whose /info is not a server's /info (a proxy's page at 200) is refused before any text is sent, for every command", async () => {
  let posts = 0;
  const s = createServer((req, res) => {
    if (req.method === "POST") posts++;
    req.resume();
    req.on("end", () => res.end("<html>proxy login</html>"));
  });
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${s.address().port}`;
  try {
    for (const command of ["classify", "embed", "ner"]) {
      const r = await runInProcess([command, "--server", url], { input: "hello\n" });
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr, /answered GET \/info with "<html>proxy login<\/html>", not the \/info of an nlp serve/, command);
    }
    assert.equal(posts, 0, "no text was sent");
  } finally {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test("serve(model, { workers }) is refused with the fix (load's workers decide the sessions), not silently ignored", async () => {
  await assert.rejects(serve(model, { port: 0, workers: 4 }), (err) => err.name === "UsageError" && /load\(ref, \{ workers \}\)/.test(err.message));
  // /info reports the model's own pool
  assert.equal((await (await fetch(server.url + "/info")).json()).workers, model.workers);
});

test("serve(): corsOrigins as one string (a substring match would allow other origins) and an empty or non-string apiKey are refused", async () => {
  await assert.rejects(serve(model, { port: 0, corsOrigins: "https://app.example.com" }), (err) => err.name === "UsageError" && /`corsOrigins` must be an array of origins/.test(err.message));
  await assert.rejects(serve(model, { port: 0, apiKey: "" }), (err) => err.name === "UsageError" && /`apiKey` must be a non-empty string/.test(err.message));
  await assert.rejects(serve(model, { port: 0, apiKey: 1234 }), (err) => err.name === "UsageError" && /`apiKey` must be a non-empty string/.test(err.message));
});

test("serve(): a log that is not a function (it crashed the process on the first request) and an unknown logFormat are refused", async () => {
  await assert.rejects(serve(model, { port: 0, log: true }), (err) => err.name === "UsageError" && /`log` must be a function/.test(err.message));
  await assert.rejects(serve(model, { port: 0, logFormat: "xml" }), (err) => err.name === "UsageError" && /`logFormat` must be text or json/.test(err.message));
});
