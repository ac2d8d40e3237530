// Issue 15: `nlp serve` (TEI's API over HTTP) and the client mode (`nlp classify --server`). The server runs in
// this process on 127.0.0.1 with a free port (the library's serve()), except where the process itself is the
// contract (SIGTERM with requests in flight: the real bin in a child process).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT, fixture, jsonl, runInProcess } from "./helpers.mjs";
import { load, loadEmbedder, loadTokenClassifier, serve, InferenceError } from "../dist/index.js";

const EMBEDDED = join(ROOT, "models", "en.classify.sentiment.tiny");
const NLI = fixture("bert_nli");
const EMBEDDER = join(ROOT, "test", "fixtures", "hf-embed", "bert");
const TAGGER = join(ROOT, "test", "fixtures", "hf-token", "bert");
const lines = (f) => readFileSync(join(ROOT, "test", "fixtures", f), "utf8").split("\n").filter(Boolean);
// the shared fixtures' texts: the embedded model's logits oracle, sst2 and tweets (emoji, mentions, URLs)
const TEXTS = [
  ...lines("embedded-logits.txt"),
  ...lines("input/sst2-dev-head.tsv").slice(1).map((l) => l.split("\t")[0]),
  ...lines("input/tweets.tsv").slice(1).map((l) => l.split("\t").at(-1)),
];

/** A model that behaves as the real one, except that the lists handed to it fail as `plan` says (a crashed worker). */
function failing(model) {
  const plan = [];
  let gate;
  const wrapper = {
    labels: model.labels,
    function: model.function,
    tokenizer: model.tokenizer,
    bundle: model.bundle,
    calls: 0,
    /** the next lists: true = fail; afterwards every list runs */
    plan,
    /** holds every list until the returned function is called */
    hold() {
      let open;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    async *scoreStream(items, textOf, opts) {
      wrapper.calls++;
      if (gate) await gate;
      if (plan.shift()) throw new InferenceError("worker 1 exited (signal SIGKILL) while running the batch");
      yield* model.scoreStream(items, textOf, opts);
    },
  };
  return wrapper;
}

async function post(url, path, body, headers = {}) {
  const res = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** TEI's prediction list as {label: score}, checking it is sorted best first. */
function byLabel(preds) {
  assert.deepEqual(
    preds.map((p) => p.score),
    [...preds.map((p) => p.score)].sort((a, b) => b - a),
    "sorted by score, best first",
  );
  return Object.fromEntries(preds.map((p) => [p.label, p.score]));
}

function close(actual, expected, what) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), what);
  for (const k of Object.keys(expected)) assert.ok(Math.abs(actual[k] - expected[k]) <= 1e-6, `${what}: ${k} ${actual[k]} vs ${expected[k]}`);
}

let model;
let nli;
let server;
let flaky;
let flakyServer;
before(async () => {
  model = await load(EMBEDDED);
  nli = await load(NLI);
  server = await serve(model, { port: 0, maxClientBatchSize: 8, payloadLimit: 65536 });
  flaky = failing(model);
  flakyServer = await serve(flaky, { port: 0, maxConcurrentRequests: 1 });
});
after(async () => {
  await server?.close();
  await flakyServer?.close();
});

test("/predict for one text equals the CLI's record (label and every score within 1e-6), and its raw_scores the recorded logits", async () => {
  const cli = jsonl((await runInProcess(["classify", "-m", EMBEDDED, "--all-scores", "--format", "jsonl", "-f", join(ROOT, "test", "fixtures", "embedded-logits.txt")])).stdout);
  const logits = jsonl(readFileSync(join(ROOT, "test", "fixtures", "embedded-logits.jsonl"), "utf8"));
  for (const [i, rec] of cli.entries()) {
    const r = await post(server.url, "/predict", { inputs: rec.text });
    assert.equal(r.status, 200);
    assert.equal(r.body[0].label, rec.label);
    close(byLabel(r.body), rec.scores, rec.text);
    const raw = await post(server.url, "/predict", { inputs: rec.text, raw_scores: true });
    close(byLabel(raw.body), logits[i].scores, `raw ${rec.text}`);
    // ["text"] is one text too (TEI's PredictInput)
    assert.deepEqual((await post(server.url, "/predict", { inputs: [rec.text] })).body, r.body);
  }
});

test("/predict batches, sent concurrently (batched across requests), equal the CLI's records in order", async () => {
  const cli = jsonl((await runInProcess(["classify", "-m", EMBEDDED, "--all-scores", "--format", "jsonl"], { input: TEXTS.join("\n") + "\n" })).stdout);
  assert.equal(cli.length, TEXTS.length);
  const chunks = [];
  for (let i = 0; i < TEXTS.length; i += 3) chunks.push(TEXTS.slice(i, i + 3));
  const answers = await Promise.all(chunks.map((c) => post(server.url, "/predict", { inputs: c.map((t) => [t]) })));
  const got = answers.flatMap((a) => (assert.equal(a.status, 200), a.body));
  assert.equal(got.length, cli.length);
  got.forEach((preds, i) => close(byLabel(preds), cli[i].scores, cli[i].text));
  const metrics = await (await fetch(server.url + "/metrics")).text();
  assert.match(metrics, /nlp_requests_total\{route="\/predict",status="200"\} \d+/);
  // lists of more than 4 inputs: the model got several requests' texts at once
  const bucket = (le) => Number(metrics.split("\n").find((l) => l.startsWith(`nlp_batch_size_bucket{le="${le}"} `)).split(" ")[1]);
  assert.ok(bucket("4") < bucket("+Inf"), metrics);
  assert.match(metrics, /nlp_queue_depth 0/);
});

test("/predict pairs: [a, b] and a batch of pairs give the NLI logits behind the CLI's zero-shot scores", async () => {
  const s = await serve(nli, { port: 0 });
  try {
    const text = "The match went to penalties and the home side won the cup.";
    const labels = ["sports", "politics"];
    const cli = jsonl((await runInProcess(["classify", "-m", NLI, "--labels", labels.join(","), "--multi-label", "--all-scores", "--format", "jsonl", text])).stdout)[0];
    const pairs = labels.map((l) => [text, `This example is ${l}.`]);
    const batch = await post(s.url, "/predict", { inputs: pairs, raw_scores: true });
    assert.equal(batch.status, 200);
    for (const [i, l] of labels.entries()) {
      const logit = byLabel(batch.body[i]);
      // multi-label zero-shot: softmax over (contradiction, entailment) of each pair, as transformers' pipeline
      const p = 1 / (1 + Math.exp(logit.contradiction - logit.entailment));
      assert.ok(Math.abs(p - cli.scores[l]) <= 1e-6, `${l}: ${p} vs ${cli.scores[l]}`);
      const single = await post(s.url, "/predict", { inputs: pairs[i], raw_scores: true });
      assert.deepEqual(single.body, batch.body[i], "a lone pair [a, b] is the same input");
    }
  } finally {
    await s.close();
  }
});

test("every error status comes with TEI's {error, error_type} body", async () => {
  const cases = [
    [await post(server.url, "/predict", "{not json"), 400, "Validation", /JSON/],
    [await post(server.url, "/predict", { inputs: "x".repeat(70000) }), 413, "PayloadTooLarge", /65536 bytes/],
    [await post(server.url, "/predict", { inputs: 42 }), 422, "Validation", /inputs/],
    [await post(server.url, "/predict", { text: "no inputs field" }), 422, "Validation", /missing field `inputs`/],
    [await post(server.url, "/predict", { inputs: ["a", "b", "c"] }), 422, "Validation", /invalid length 3/],
    [await post(server.url, "/predict", { inputs: "fine", truncate: "yes" }), 422, "Validation", /truncate/],
    [await post(server.url, "/predict", { inputs: Array.from({ length: 9 }, () => ["t"]) }), 422, "Validation", /batch size 9 > maximum allowed batch size 8/],
    [await post(server.url, "/predict", { inputs: "word ".repeat(300), truncate: false }), 422, "Validation", /must have less than 128 tokens\. Given: 302/],
    [await post(server.url, "/tokenize", { inputs: [] }), 400, "Empty", /cannot be empty/],
    [await post(server.url, "/nowhere", {}), 404, "NotFound", /no route/],
    [await post(server.url, "/info", {}), 405, "MethodNotAllowed", /POST is not allowed on \/info/],
  ];
  for (const [r, status, type, message] of cases) {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.error_type, type);
    assert.match(r.body.error, message);
    assert.deepEqual(Object.keys(r.body).sort(), ["error", "error_type"]);
  }
  // truncate defaults to true (as the CLI): the long text is answered
  assert.equal((await post(server.url, "/predict", { inputs: "word ".repeat(300) })).status, 200);
});

test("a failed batch (a crashed worker) fails only its requests with 424; the server answers the next request", async () => {
  flaky.plan.push(true);
  const failed = await post(flakyServer.url, "/predict", { inputs: "A heartwarming and funny movie" });
  assert.equal(failed.status, 424);
  assert.equal(failed.body.error_type, "Backend");
  assert.match(failed.body.error, /worker 1 exited/);
  const next = await post(flakyServer.url, "/predict", { inputs: "A heartwarming and funny movie" });
  assert.equal(next.status, 200);
  assert.equal(next.body[0].label, "POSITIVE");
  assert.equal((await fetch(flakyServer.url + "/health")).status, 200);
  assert.match(await (await fetch(flakyServer.url + "/metrics")).text(), /nlp_inference_failures_total 1/);
});

test("a full queue answers 429 with Retry-After; the admitted request is still answered", async () => {
  const open = flaky.hold();
  const admitted = post(flakyServer.url, "/predict", { inputs: "held" });
  // wait until the held request reached the model
  while (flaky.calls === 0 || !(await (await fetch(flakyServer.url + "/metrics")).text()).includes("nlp_requests_in_flight 1")) await new Promise((r) => setTimeout(r, 5));
  const refused = await post(flakyServer.url, "/predict", { inputs: "one too many" });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.deepEqual(refused.body, { error: "Model is overloaded", error_type: "Overloaded" });
  open();
  assert.equal((await admitted).status, 200);
});

test("/tokenize, /info and /health in TEI's shapes", async () => {
  const tok = await post(server.url, "/tokenize", { inputs: "Héllo wörld" });
  assert.equal(tok.status, 200);
  assert.deepEqual(tok.body[0].map((t) => [t.text, t.special, t.start, t.stop]), [
    ["[CLS]", true, null, null],
    ["Héll", false, 0, 5], // UTF-8 byte offsets, as TEI (é is 2 bytes)
    ["o", false, 5, 6],
    ["wörld", false, 7, 13],
    ["[SEP]", true, null, null],
  ]);
  assert.deepEqual(tok.body[0].map((t) => t.id), model.tokenize("Héllo wörld")[0].ids);
  const info = await (await fetch(server.url + "/info")).json();
  assert.deepEqual(info.model_type, { classifier: { id2label: { 0: "NEGATIVE", 1: "POSITIVE" }, label2id: { NEGATIVE: 0, POSITIVE: 1 } } });
  assert.equal(info.max_input_length, 128);
  assert.equal(info.max_client_batch_size, 8);
  assert.equal(info.auto_truncate, true);
  assert.equal(info.model_dtype, "int8");
  assert.equal(info.task, "text-classification");
  const health = await fetch(server.url + "/health");
  assert.equal(health.status, 200);
});

test("--api-key: every route but /health needs the bearer key", async () => {
  const s = await serve(model, { port: 0, apiKey: "s3cret" });
  try {
    assert.equal((await post(s.url, "/predict", { inputs: "x" })).status, 401);
    const wrong = await post(s.url, "/predict", { inputs: "x" }, { authorization: "Bearer s3cre" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error_type, "Unauthorized");
    assert.equal((await post(s.url, "/predict", { inputs: "x" }, { authorization: "Bearer s3cret" })).status, 200);
    assert.equal((await fetch(s.url + "/metrics")).status, 401);
    assert.equal((await fetch(s.url + "/info")).status, 401);
    assert.equal((await fetch(s.url + "/health")).status, 200);
  } finally {
    await s.close();
  }
});

test("CORS: no headers unless --cors-origin; an allowed origin gets them and its preflight", async () => {
  const plain = await fetch(server.url + "/info", { headers: { origin: "https://app.example" } });
  assert.equal(plain.headers.get("access-control-allow-origin"), null);
  const s = await serve(model, { port: 0, corsOrigins: ["https://app.example"] });
  try {
    const ok = await fetch(s.url + "/info", { headers: { origin: "https://app.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
    const other = await fetch(s.url + "/info", { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const preflight = await fetch(s.url + "/predict", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-headers"), /authorization/);
  } finally {
    await s.close();
  }
});

test("client mode: classify --server writes what the local run writes (order, CSV, notices), NLP_SERVER too; eval --server reports as eval", async () => {
  const csv = join(ROOT, "test", "fixtures", "eval", "reviews.csv");
  const local = await runInProcess(["classify", "-m", EMBEDDED, "-f", csv, "--format", "csv", "--all-scores"]);
  const remote = await runInProcess(["classify", "--server", server.url, "-f", csv, "--format", "csv", "--all-scores", "--batch-size", "3"]);
  assert.equal(remote.code, 0, remote.stderr);
  assert.equal(remote.stdout, local.stdout);
  const input = TEXTS.join("\n") + "\n" + "word ".repeat(300) + "\n";
  const a = await runInProcess(["classify", "-m", EMBEDDED, "--function", "sigmoid"], { input });
  const b = await runInProcess(["classify", "--function", "sigmoid"], { input, env: { NLP_SERVER: server.url } });
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  assert.equal(b.stderr, a.stderr, "the same end-of-run notice (one text cut at 128 tokens)");
  assert.match(a.stderr, /128/);
  // nlp eval: the same report but the model's name (the server's) and the timing
  const evalArgs = ["-f", join(ROOT, "test", "fixtures", "eval", "reviews.csv"), "--label-column", "sentiment", "--format", "json"];
  const localEval = JSON.parse((await runInProcess(["eval", "-m", EMBEDDED, ...evalArgs])).stdout);
  const remoteEval = await runInProcess(["eval", "--server", server.url, ...evalArgs]);
  assert.equal(remoteEval.code, 0, remoteEval.stderr);
  const strip = ({ model, seconds, rows_per_second, ...rest }) => rest;
  assert.deepEqual(strip(JSON.parse(remoteEval.stdout)), strip(localEval));
  assert.equal(JSON.parse(remoteEval.stdout).model, `${EMBEDDED} at ${server.url}`);
});

test("client mode: a failed batch ends the run with exit 1 after every earlier row; usage errors exit 2", async () => {
  flaky.plan.push(false, true); // the second request of the run fails
  const r = await runInProcess(["classify", "--server", flakyServer.url, "--batch-size", "2", "--format", "jsonl"], { input: TEXTS.slice(0, 6).join("\n") + "\n" });
  assert.equal(r.code, 1);
  assert.deepEqual(jsonl(r.stdout).map((x) => x.text), TEXTS.slice(0, 2));
  assert.match(r.stderr, /answered 424 .*worker 1 exited/);
  const withModel = await runInProcess(["classify", "--server", server.url, "-m", EMBEDDED, "x"]);
  assert.equal(withModel.code, 2);
  assert.match(withModel.stderr, /-m cannot be used with --server/);
  const zeroShot = await runInProcess(["classify", "--labels", "a,b", "x"], { env: { NLP_SERVER: server.url } });
  assert.equal(zeroShot.code, 2);
  assert.match(zeroShot.stderr, /unset NLP_SERVER/);
  const down = await runInProcess(["classify", "--server", "http://127.0.0.1:9", "x"]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the nlp server at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  const tooBig = await runInProcess(["classify", "--server", server.url, "--batch-size", "9", "x"]);
  assert.equal(tooBig.code, 2);
  assert.match(tooBig.stderr, /--batch-size 9 is over the server's max_client_batch_size 8/);
});

/** `nlp serve …` as a child process (node flags first): its URL once it listens, its exit, and its stderr so far. */
async function serveProcess(nodeArgs, args) {
  const child = spawn(process.execPath, [...nodeArgs, BIN, "serve", ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
  const proc = { child, stderr: "", exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))) };
  proc.url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      proc.stderr += d;
      const m = /on (http:\/\/\S+?);/.exec(proc.stderr);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(proc.stderr)));
  });
  return proc;
}

test("nlp serve: SIGTERM with requests in flight answers them all, then exits 0", async () => {
  const server = await serveProcess([], ["-m", EMBEDDED, "--port", "0", "--max-client-batch-size", "64"]);
  const { child, exited, url } = server;
  const texts = Array.from({ length: 64 }, (_, i) => [`${TEXTS[i % TEXTS.length]} ${i}`]);
  const requests = Array.from({ length: 12 }, () => post(url, "/predict", { inputs: texts }));
  // the first answer: the others are queued or running when the signal comes
  await Promise.race(requests);
  child.kill("SIGTERM");
  const answers = await Promise.all(requests);
  assert.deepEqual(answers.map((a) => a.status), Array(12).fill(200));
  assert.ok(answers.every((a) => a.body.length === 64));
  assert.deepEqual(await exited, { code: 0, signal: null }, server.stderr);
  assert.match(server.stderr, /SIGTERM: finishing the requests in flight/);
  assert.match(server.stderr, /POST \/predict 200 .* inputs=64/, "one log line per request");
  assert.doesNotMatch(server.stderr, /heartwarming/, "no texts in the log without --log-inputs");
});

test("request log: one line per request, JSON with --log-format json, texts only with --log-inputs; a missing key variable is a usage error", async () => {
  const logged = [];
  const s = await serve(model, { port: 0, log: (l) => logged.push(l), logFormat: "json", logInputs: true });
  try {
    await post(s.url, "/predict", { inputs: "logged text" });
    await fetch(s.url + "/health");
  } finally {
    await s.close();
  }
  assert.equal(logged.length, 2);
  const first = JSON.parse(logged[0]);
  assert.deepEqual([first.method, first.path, first.status, first.inputs, first.texts], ["POST", "/predict", 200, 1, "logged text"]);
  const r = await runInProcess(["serve", "-m", EMBEDDED, "--port", "0", "--api-key-env", "NLP_TEST_NO_SUCH_KEY"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--api-key-env NLP_TEST_NO_SUCH_KEY: the variable is unset or empty/);
});

test("/embed (embedding models) equals `nlp embed`: normalize true by default as TEI, false as --no-normalize, dimensions", async () => {
  const s = await serve(await loadEmbedder(EMBEDDER), { port: 0 });
  try {
    const texts = TEXTS.slice(0, 7);
    const input = texts.join("\n") + "\n";
    const cli = async (...flags) => jsonl((await runInProcess(["embed", "-m", EMBEDDER, "--format", "jsonl", ...flags], { input })).stdout).map((r) => r.embedding);
    const near = (a, b, what) => {
      assert.equal(a.length, b.length, what);
      a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-6, `${what}[${i}]: ${x} vs ${b[i]}`));
    };
    const [normalized, raw, short] = [await cli("--normalize"), await cli("--no-normalize"), await cli("--normalize", "--dimensions", "8")];
    // concurrent requests with different options: each list the model gets has one option set
    const [a, b, c, one] = await Promise.all([
      post(s.url, "/embed", { inputs: texts }),
      post(s.url, "/embed", { inputs: texts, normalize: false }),
      post(s.url, "/embed", { inputs: texts, dimensions: 8 }),
      post(s.url, "/embed", { inputs: texts[0] }),
    ]);
    for (const r of [a, b, c, one]) assert.equal(r.status, 200, JSON.stringify(r.body));
    texts.forEach((t, i) => {
      near(a.body[i], normalized[i], t);
      near(b.body[i], raw[i], t);
      near(c.body[i], short[i], t);
    });
    assert.deepEqual(one.body, [a.body[0]], "one text: a list of one vector, as TEI");
    const wrong = await post(s.url, "/predict", { inputs: "x" });
    assert.deepEqual([wrong.status, wrong.body.error_type], [424, "Backend"]);
    assert.match(wrong.body.error, /embedding model: use \/embed/);
    const info = await (await fetch(s.url + "/info")).json();
    assert.deepEqual([info.task, info.model_type], ["feature-extraction", { embedding: { pooling: "mean" } }]);
    // client mode: nlp embed --server writes what the local run writes (JSONL, CSV, prompts, .npy, an index)
    const dir = mkdtempSync(join(tmpdir(), "nlp-serve-embed-"));
    try {
      const runs = [
        ["--format", "jsonl"],
        ["--format", "csv", "--no-normalize"],
        ["--format", "jsonl", "--prompt-name", "query", "--dimensions", "8"],
        ["--format", "jsonl", "--prompt", "search: "],
      ];
      for (const flags of runs) {
        const local = await runInProcess(["embed", "-m", EMBEDDER, ...flags], { input });
        const remote = await runInProcess(["embed", "--server", s.url, "--batch-size", "3", ...flags], { input });
        assert.equal(remote.code, 0, remote.stderr);
        assert.equal(remote.stdout, local.stdout, flags.join(" "));
      }
      for (const [name, flags] of [["npy", ["-o", "OUT.npy"]], ["idx", ["--index", "OUT.idx"]]]) {
        const out = (where) => flags.map((f) => f.replace("OUT", join(dir, `${where}-${name}`)));
        assert.equal((await runInProcess(["embed", "-m", EMBEDDER, ...out("local")], { input })).code, 0);
        const remote = await runInProcess(["embed", "--server", s.url, ...out("remote")], { input });
        assert.equal(remote.code, 0, remote.stderr);
        const file = (where) => (name === "npy" ? join(dir, `${where}-npy.npy`) : join(dir, `${where}-idx.idx`));
        if (name === "npy") assert.deepEqual(readFileSync(file("remote")), readFileSync(file("local")));
      }
      const wrongPrompt = await runInProcess(["embed", "--server", s.url, "--prompt-name", "nope", "x"]);
      assert.equal(wrongPrompt.code, 2, wrongPrompt.stderr);
      assert.match(wrongPrompt.stderr, /no prompt "nope"; use one of query, passage/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await s.close();
  }
});

test("/ner (token classifiers) equals `nlp ner` for each aggregation strategy", async () => {
  const s = await serve(await loadTokenClassifier(TAGGER), { port: 0 });
  try {
    const texts = ["Ada Lovelace was born in London.", ...TEXTS.slice(0, 4)];
    for (const agg of ["simple", "first", "none"]) {
      const cli = jsonl((await runInProcess(["ner", "-m", TAGGER, "--aggregation", agg, "--format", "jsonl"], { input: texts.join("\n") + "\n" })).stdout);
      const r = await post(s.url, "/ner", { inputs: texts, aggregation_strategy: agg });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      texts.forEach((t, i) => {
        const want = cli[i].entities;
        assert.equal(r.body[i].length, want.length, `${agg}: ${t}`);
        r.body[i].forEach((e, k) => {
          const { score, ...rest } = e;
          const { score: wantScore, ...wantRest } = want[k];
          assert.deepEqual(rest, wantRest);
          assert.ok(Math.abs(score - wantScore) <= 1e-6);
        });
      });
    }
    const single = await post(s.url, "/ner", { inputs: texts[0] });
    assert.equal(single.body[0].word, jsonl((await runInProcess(["ner", "-m", TAGGER, "--format", "jsonl", texts[0]])).stdout)[0].entities[0].word);
    const bad = await post(s.url, "/ner", { inputs: "x", aggregation_strategy: "loudest" });
    assert.deepEqual([bad.status, bad.body.error_type], [422, "Validation"]);
    // client mode: nlp ner --server writes what the local run writes, in every format, with the same notice
    const input = [...texts, "word ".repeat(600)].join("\n") + "\n";
    for (const flags of [["--format", "jsonl"], ["--format", "csv", "--threshold", "0.4"], ["--format", "conll"], ["--format", "jsonl", "--offsets", "utf16", "--aggregation", "first", "--stride", "16"]]) {
      const local = await runInProcess(["ner", "-m", TAGGER, ...flags], { input });
      const remote = await runInProcess(["ner", "--server", s.url, "--batch-size", "2", ...flags], { input });
      assert.equal(remote.code, 0, remote.stderr);
      assert.equal(remote.stdout, local.stdout, flags.join(" "));
      assert.equal(remote.stderr, local.stderr, flags.join(" "));
    }
    const wrongKind = await runInProcess(["ner", "--server", server.url, "x"]);
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.stderr, /serves a text-classification model .*not a token classifier/);
  } finally {
    await s.close();
  }
});

test("nlp serve picks the routes from the model: /embed for a sentence-transformers folder, /ner for a token classifier", async () => {
  const started = await Promise.all(
    [EMBEDDER, TAGGER].map(
      (m) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [BIN, "serve", "-m", m, "--port", "0", "-q"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
          let err = "";
          child.stderr.on("data", (d) => {
            err += d;
            if (/on http:\/\/\S+;/.test(err) && child.exitCode === null && !child.killed) {
              child.kill("SIGTERM");
              child.on("exit", (code) => resolve({ err, code }));
            }
          });
          child.on("error", reject);
        }),
    ),
  );
  assert.match(started[0].err, /\(fp32, \/embed\) on http/);
  assert.match(started[1].err, /\(fp32, \/ner\) on http/);
  assert.deepEqual(started.map((s) => s.code), [0, 0]);
});

test("nlp serve: a worker thread that dies fails only its requests with 424; a new worker serves the next ones", async () => {
  // every worker thread exits at its third window (test/fixtures/pool/kill-worker.mjs): a real death in the pool
  const killer = join(ROOT, "test", "fixtures", "pool", "kill-worker.mjs");
  const server = await serveProcess(["--import", killer], ["-m", EMBEDDED, "--port", "0", "--workers", "2", "--max-client-batch-size", "64", "-q"]);
  const { child, exited, url } = server;
  try {
    // concurrent batches of 64 keep several windows waiting, so the pool starts its worker threads
    const statuses = [];
    let failure;
    for (let round = 0; round < 8 && !failure; round++) {
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, k) => post(url, "/predict", { inputs: Array.from({ length: 64 }, (_, i) => [`${TEXTS[(i + k) % TEXTS.length]} ${round}`]) })),
      );
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 424) failure = a.body;
      }
    }
    assert.ok(failure, `no request saw a worker die: ${statuses.join(",")}; ${server.stderr}`);
    assert.equal(failure.error_type, "Backend");
    assert.match(failure.error, /worker \d+ stopped \(exit code 9\)/);
    assert.ok(statuses.includes(200), "no request was answered at all");
    // the server is still up and answers, on lane 0 or a new worker
    const next = await post(url, "/predict", { inputs: "A heartwarming and funny movie" });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body[0].label, "POSITIVE");
    assert.equal((await fetch(url + "/health")).status, 200);
  } finally {
    child.kill("SIGTERM");
    assert.equal((await exited).code, 0, server.stderr);
  }
});
