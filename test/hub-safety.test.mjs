// Cache safety (issue 9): a hostile Hub (file names, headers, redirects) cannot make nlp write, link or
// delete outside the cache, and planted links are never followed to delete or read. One fake Hub for
// the file; each hostile case checks exit 1, the message, a sandbox folder listed before and after,
// and nothing of the repo written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { runInProcess } from "./helpers.mjs";
import { startFakeHub, sha256 } from "./fake-hub.mjs";
import { SST2, bert, commitOf, fakeRepos, hubEnv, repoDir } from "./hub-env.mjs";
import { filePathProblem, repoIdProblem, revisionProblem, redirectProblem, isInside } from "../dist/hub/safe-path.js";

const REF = "en.classify.distilbert_sequence.sst2";
const GENERIC = "someone/generic-model";
const GRAPH_SHA = sha256(bert("onnx/model_quantized.onnx"));

let hub;
let repos;
before(async () => {
  repos = fakeRepos();
  // the same files under a new name: where a renamed repo's redirect leads
  repos["someone/renamed-model"] = repos[GENERIC];
  hub = await startFakeHub({ repos });
});
after(() => hub.close());

/** A sandbox whose cache is inside HF_HOME, so "outside HF_HOME" is everything else in the sandbox. */
function sandbox() {
  const s = hubEnv(hub);
  const home = s.env.HF_HOME;
  const cache = join(home, "hub");
  return { ...s, home, cache, env: { ...s.env, HF_HUB_CACHE: cache } };
}

/** Every path under root (links not followed), except what lies inside HF_HOME. */
function outsideHome(root, home) {
  const out = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (p === home) continue;
      out.push(relative(root, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Every path under dir, for "nothing half-written". */
function tree(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      out.push(relative(dir, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Runs `nlp pull ref` in the sandbox; asserts exit 1, one error line matching `message`, and nothing outside HF_HOME. */
async function refused(sb, args, message) {
  const before = outsideHome(sb.root, sb.home);
  const r = await runInProcess(args, { env: sb.env });
  assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], message);
  assert.doesNotMatch(lines[0], /unexpected error/);
  assert.deepEqual(outsideHome(sb.root, sb.home), before, "nothing created outside HF_HOME");
  return lines[0];
}

const hostileFiles = (name) => ({
  "config.json": bert("config.json"),
  "tokenizer.json": bert("tokenizer.json"),
  "onnx/model_quantized.onnx": bert("onnx/model_quantized.onnx"),
  [name]: Buffer.from("pwned\n"),
});

test("hostile file lists: '..' behind an expected prefix, absolute, backslash, %2e%2e, NUL: refused, nothing written", async () => {
  const sb = sandbox();
  // a good repo in the same cache first: it must stay intact
  const good = await runInProcess(["pull", GENERIC, "-q"], { env: sb.env });
  assert.equal(good.code, 0, good.stderr);
  const goodTree = tree(repoDir(sb.cache, GENERIC));

  // snapshots/{commit}/onnx/model_quantized.onnx_data is 7 folders below the sandbox root
  const cases = [
    ["onnx/model_quantized.onnx_data/" + "../".repeat(7) + "pwned", /it has a "\.\." segment/],
    ["onnx/model.onnx_data/../../../x", /it has a "\.\." segment/],
    [join(sb.root, "pwned"), /it is an absolute path/],
    ["onnx/model_quantized.onnx_data\\..\\..\\..\\..\\..\\..\\..\\pwned", /it has a backslash/],
    ["onnx/model_quantized.onnx_data/%2e%2e/%2E%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pwned", /it percent-decodes to a name that has a "\.\." segment/],
    ["onnx/model_quantized.onnx_data/%252e%252e/pwned", /it percent-decodes to a name that has a "\.\." segment/],
    ["onnx/model_quantized.onnx_data\u0000/../x", /it has a control character/],
    // a name no file system takes (ENAMETOOLONG once the blobs were in: an "unexpected error", half a snapshot)
    ["onnx/model_quantized.onnx_data" + "x".repeat(300), /it has a segment longer than 230 bytes/],
  ];
  for (const [i, [name, why]] of cases.entries()) {
    const repo = `someone/hostile-${i}`;
    const commit = commitOf(repo);
    repos[repo] = { refs: { main: commit }, commits: { [commit]: hostileFiles(name) } };
    // and whatever path the client ends up asking for is served, as a malicious endpoint would
    hub.answerAnything = { commit, body: Buffer.from("pwned\n") };
    const line = await refused(sb, ["pull", repo, "-q"], why);
    assert.match(line, /^nlp: refused file name "/);
    assert.ok(line.includes(repo), line);
    assert.match(line, /HF_ENDPOINT \(http:\/\/127\.0\.0\.1:\d+\) and any proxy/);
    assert.ok(!line.includes("\u0000"), "the NUL is escaped in the message");
    assert.ok(!existsSync(repoDir(sb.cache, repo)), `nothing written for ${repo}: ${tree(repoDir(sb.cache, repo))}`);
  }
  hub.answerAnything = null;
  assert.deepEqual(tree(repoDir(sb.cache, GENERIC)), goodTree, "the other repo is untouched");
  const verify = await runInProcess(["cache", "verify"], { env: sb.env });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test("hostile headers: X-Repo-Commit and ETag that are not hex, or a commit that changes: refused before anything is written", async () => {
  const sb = sandbox();
  const cases = [
    [{ "x-repo-commit": "../../../../../../pwned" }, "config.json", /^nlp: refused X-Repo-Commit of config\.json "\.\.\/\.\.\/.*: it is not a 40-hex commit/],
    [{ "x-repo-commit": "abc123" }, "config.json", /refused X-Repo-Commit of config\.json "abc123".*not a 40-hex commit/],
    [{ etag: '"../../../../pwned"' }, "config.json", /^nlp: refused ETag of config\.json "\.\.\/.*: it is not a sha1 or sha256 in hex/],
    [{ etag: 'W/"zz-not-hex"' }, "config.json", /refused ETag of config\.json "zz-not-hex"/],
    [{ "x-linked-etag": `"${"a".repeat(63)}/"` }, "model_quantized.onnx", /refused ETag of onnx\/model_quantized\.onnx/],
    // a second file claiming another (well-formed) commit: two versions must not mix
    [{ "x-repo-commit": commitOf("elsewhere") }, "tokenizer.json", /refused X-Repo-Commit of tokenizer\.json "[0-9a-f]{40}".*differs from the commit asked for/],
  ];
  for (const [headers, file, why] of cases) {
    hub.clear();
    hub.fault({ server: "hub", method: "HEAD", match: `/${file}`, headers });
    const line = await refused(sb, ["pull", REF, "-q"], why);
    assert.ok(line.includes(SST2), line);
    assert.match(line, /check HF_ENDPOINT/);
    assert.deepEqual(tree(repoDir(sb.cache, SST2)), [], "nothing of the repo written");
    assert.deepEqual(tree(join(sb.cache, ".locks")), []);
  }
  // a pinned commit whose file list names another commit: refused, not stored under the other one
  hub.clear();
  hub.fault({ server: "hub", match: "/api/models/", sha: commitOf("elsewhere") });
  const pinned = `${GENERIC}@${commitOf("generic")}`;
  const line = await refused(sb, ["pull", pinned, "-q"], /^nlp: refused commit of the file list "[0-9a-f]{40}" \(someone\/generic-model, .*differs from the commit asked for \([0-9a-f]{40}\)/);
  assert.match(line, /check HF_ENDPOINT/);
  assert.deepEqual(tree(repoDir(sb.cache, GENERIC)), []);
});

test("redirects: dot segments, an unexpected Hub path, another scheme, a storage URL with %2e%2e are refused; a renamed repo is followed", async () => {
  const sb = sandbox();
  const port = new URL(hub.endpoint).port;
  const cases = [
    ["/../../../../etc/passwd", /it has a "\." or "\.\." path segment/],
    [`http://127.0.0.1:${port}/someone/generic-model/resolve/main/%2e%2e/%2e%2e/x`, /it has a "\." or "\.\." path segment/],
    ["/somewhere/else/config.json", /it points to \/somewhere\/else\/config\.json on the Hub, not to the same file of a renamed repo/],
    ["file:///etc/passwd", /it uses file: \(only http and https are followed\)/],
  ];
  for (const [location, why] of cases) {
    hub.clear();
    hub.fault({ server: "hub", method: "HEAD", match: "generic-model/resolve/", status: 302, headers: { location } });
    const line = await refused(sb, ["pull", GENERIC, "-q"], why);
    assert.match(line, /^nlp: refused the redirect to ".*" \(config\.json of someone\/generic-model, from 127\.0\.0\.1:\d+\)/);
    assert.deepEqual(tree(repoDir(sb.cache, GENERIC)), []);
  }

  // the storage host redirecting the graph's bytes to a traversal: refused; no snapshot, ref or partial file
  hub.clear();
  hub.fault({ server: "cdn", method: "GET", match: GRAPH_SHA, status: 302, headers: { location: `${hub.storageOrigin}/blob/%2e%2e/%2e%2e/x` } });
  const line = await refused(sb, ["pull", REF, "-q"], /^nlp: refused the redirect to ".*%2e%2e.*" \(onnx\/model_quantized\.onnx of .*, from 127\.0\.0\.1:\d+\): it has a "\." or "\.\." path segment/);
  assert.ok(line.includes(SST2));
  const left = tree(repoDir(sb.cache, SST2));
  assert.deepEqual(left.filter((p) => !p.startsWith("blobs")), [], "no snapshot, ref or marker");
  assert.deepEqual(left.filter((p) => p.includes(".incomplete")), []);

  // a renamed repo: the Hub's own redirect to the same file under the new name is followed
  hub.clear();
  const commit = commitOf("generic");
  hub.fault({ server: "hub", method: "HEAD", match: "generic-model/resolve/", status: 307, headers: { location: `/someone/renamed-model/resolve/${commit}/config.json` } });
  const ok = await runInProcess(["pull", GENERIC, "-q"], { env: sb.env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(hub.requests((q) => q.method === "HEAD" && q.url === `/someone/renamed-model/resolve/${commit}/config.json`).length, 1);
  assert.ok(existsSync(join(repoDir(sb.cache, GENERIC), "snapshots", commit, "config.json")), "cached under the name asked for, as huggingface_hub does");
});

test("user arguments: a revision or repo id that cannot be one is a usage error (exit 2), before any request", async () => {
  const sb = sandbox();
  hub.clear();
  const runs = [
    [["pull", `${GENERIC}@../../../x`, "-q"], /^nlp: "\.\.\/\.\.\/\.\.\/x" is not a revision \(it has a "\.\." segment\); give a branch, tag or commit/],
    [["pull", GENERIC, "--revision", "refs/../../x", "-q"], /is not a revision \(it has a "\.\." segment\)/],
    [["info", GENERIC, "--revision", "%2e%2e/x"], /is not a revision \(it percent-decodes to a name that has a "\.\." segment\)/],
    [["pull", "someone/generic--model", "-q"], /neither a folder here nor an owner\/name Hub id/],
  ];
  for (const [args, why] of runs) {
    const r = await runInProcess(args, { env: sb.env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.trim(), why);
  }
  assert.equal(hub.log.length, 0, "no request sent");
  assert.deepEqual(outsideHome(sb.root, sb.home), []);
});

/** A cache in Python's layout for GENERIC, built by hand (no request), with its snapshot folder. */
function pythonCache(cache) {
  const dir = repoDir(cache, GENERIC);
  const commit = commitOf("planted");
  const files = { "config.json": bert("config.json"), "tokenizer.json": bert("tokenizer.json"), "onnx/model.onnx": bert("onnx/model.onnx") };
  for (const [path, buf] of Object.entries(files)) {
    const blob = join(dir, "blobs", sha256(buf));
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, buf);
    const link = join(dir, "snapshots", commit, path);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), blob), link);
  }
  mkdirSync(join(dir, "refs"), { recursive: true });
  writeFileSync(join(dir, "refs", "main"), commit);
  return { dir, snap: join(dir, "snapshots", commit) };
}

test("planted links to files outside the cache: never read as a model, and cache verify --fix / clear leave their targets alone", async () => {
  const sb = sandbox();
  const outside = join(sb.root, "precious");
  mkdirSync(outside);
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, "do not delete\n");
  writeFileSync(join(outside, "x.incomplete"), "do not delete either\n");
  mkdirSync(join(outside, "models--a--b.nlp.lock"));
  const { dir, snap } = pythonCache(sb.cache);
  // a snapshot entry, a partial download, a whole blobs/ folder of another repo, a lock folder and a repo folder, all leading out
  symlinkSync(secret, join(snap, "tokenizer_config.json"));
  symlinkSync(secret, join(dir, "blobs", `${"e".repeat(64)}.incomplete`));
  mkdirSync(repoDir(sb.cache, "other/model"));
  symlinkSync(outside, join(repoDir(sb.cache, "other/model"), "blobs"));
  mkdirSync(join(sb.cache, ".locks"), { recursive: true });
  symlinkSync(outside, join(sb.cache, ".locks", "models--a--b"));
  symlinkSync(outside, repoDir(sb.cache, "linked/away"));
  // refs: a link looping back to refs/, a link to a file outside (its text must not be shown as a commit)
  const refs = join(dir, "refs");
  symlinkSync(refs, join(refs, "loop"));
  symlinkSync(secret, join(refs, "leak"));
  const everythingOutside = () => ({ secret: readFileSync(secret, "utf8"), files: readdirSync(outside).sort() });
  const start = everythingOutside();

  // reading: the model is refused, naming the link and the fix; nothing is read through it
  hub.clear();
  const read = await runInProcess(["classify", GENERIC, "hello", "--offline"], { env: sb.env });
  assert.equal(read.code, 1, read.stderr);
  assert.match(read.stderr, /tokenizer_config\.json" in snapshot [0-9a-f]{10} links outside the repo's blobs\/ .*nlp cache verify --fix/);

  // cache list neither loops through refs/loop nor reads refs/leak
  const list = await runInProcess(["cache", "list", "--format", "json"], { env: sb.env });
  assert.equal(list.code, 0, list.stderr);
  const generic = JSON.parse(list.stdout).find((r) => r.repo === GENERIC);
  assert.deepEqual(generic.revisions, [`main→${snap.split("/").pop().slice(0, 8)}`]);
  assert.doesNotMatch(list.stdout, /do not delete|leak|loop/);

  // verify reports it; --fix removes the link only
  const verify = await runInProcess(["cache", "verify", GENERIC], { env: sb.env });
  assert.equal(verify.code, 1);
  assert.match(verify.stdout, /^missing\tsomeone\/generic-model\t[0-9a-f]{8}\ttokenizer_config\.json\tlink points outside the repo's blobs\/$/m);
  assert.equal((await runInProcess(["cache", "verify", "--fix", GENERIC], { env: sb.env })).code, 0);
  assert.ok(!existsSync(join(snap, "tokenizer_config.json")) && lstatSync(join(snap, "config.json")).isSymbolicLink());
  assert.deepEqual(everythingOutside(), start);
  const works = await runInProcess(["classify", GENERIC, "hello", "--offline", "--format", "jsonl"], { env: sb.env });
  assert.equal(works.code, 0, works.stderr);

  // clear --partial, then clear --yes: the cache goes, the files the links pointed to stay
  const partial = await runInProcess(["cache", "clear", "--partial"], { env: sb.env });
  assert.equal(partial.code, 0, partial.stderr);
  assert.ok(!existsSync(join(dir, "blobs", `${"e".repeat(64)}.incomplete`)), "the planted partial link itself is removed");
  assert.deepEqual(everythingOutside(), start);
  const all = await runInProcess(["cache", "clear", "--yes"], { env: sb.env });
  assert.equal(all.code, 0, all.stderr);
  assert.ok(!existsSync(dir));
  assert.deepEqual(everythingOutside(), start);
  assert.equal(hub.log.length, 0, "all offline");
});

test("one damaged snapshot does not hide the catalog: nlp models marks that row, nlp info names the fix", async () => {
  const sb = sandbox();
  hub.clear();
  assert.equal((await runInProcess(["pull", REF, "-q"], { env: sb.env })).code, 0);
  const outside = join(sb.root, "elsewhere.json");
  writeFileSync(outside, "{}");
  const entry = join(repoDir(sb.cache, SST2), "snapshots", commitOf("new"), "tokenizer_config.json");
  rmSync(entry);
  symlinkSync(outside, entry);
  const models = await runInProcess(["models", "--format", "jsonl"], { env: sb.env });
  assert.equal(models.code, 0, models.stderr);
  const rows = models.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.find((r) => r.ref === REF).cached, "damaged: nlp cache verify --fix");
  assert.equal(rows.find((r) => r.ref === "en.classify.sentiment.tiny").cached, "built-in");
  const info = await runInProcess(["info", REF], { env: sb.env });
  assert.equal(info.code, 1);
  assert.match(info.stderr, /links outside the repo's blobs\/ .*nlp cache verify --fix/);
});

test("a partial download planted as a link or hard link to a file outside the cache is replaced, never appended to", async () => {
  for (const plant of [symlinkSync, linkSync]) {
    const sb = sandbox();
    const victim = join(sb.root, "victim.txt");
    writeFileSync(victim, "precious\n");
    const blobs = join(repoDir(sb.cache, SST2), "blobs");
    mkdirSync(blobs, { recursive: true });
    plant(victim, join(blobs, `${GRAPH_SHA}.incomplete`));
    hub.clear();
    const r = await runInProcess(["pull", REF, "-q"], { env: sb.env });
    assert.equal(r.code, 0, `${plant.name}: ${r.stderr}`);
    assert.equal(readFileSync(victim, "utf8"), "precious\n", `${plant.name}: the file outside is untouched`);
    assert.equal(sha256(readFileSync(join(blobs, GRAPH_SHA))), GRAPH_SHA);
    const gets = hub.requests((q) => q.server === "cdn" && q.url.includes(GRAPH_SHA));
    assert.equal(gets.length, 1);
    assert.equal(gets[0].headers.range, undefined, "downloaded from the start, not resumed from the planted bytes");
  }
});

test("safe-path: file names (accept/reject table)", () => {
  const ok = [`${"x".repeat(230)}`, "config.json", "onnx/model.onnx", "onnx/model.onnx_data", "a/b/c.d", "100%.txt", "weird name.bin", "dots..in.middle", ".gitattributes", "onnx/.hidden", "ünïcode.json", "%41.txt"];
  for (const p of ok) assert.equal(filePathProblem(p), null, p);
  const bad = [
    ["", /empty/],
    ["../x", /"\.\." segment/],
    ["onnx/model.onnx_data/../../../x", /"\.\." segment/],
    ["a/./b", /"\." segment/],
    ["a/...", /only of dots/],
    ["a//b", /empty segment/],
    [`onnx/model.onnx_data${"x".repeat(300)}`, /segment longer than 230 bytes/],
    [`${"é".repeat(116)}.json`, /segment longer than 230 bytes/],
    ["a/", /empty segment/],
    ["/etc/passwd", /absolute/],
    ["a\\b", /backslash/],
    ["..\\x", /backslash/],
    ["C:/x", /drive letter/],
    ["c:x", /drive letter/],
    ["a\u0000b", /control/],
    ["a\nb", /control/],
    ["a\u0085b", /control/],
    ["a\u2028b", /control/],
    ["%2e%2e/x", /percent-decodes to a name that has a "\.\." segment/],
    ["a/%2E%2e", /percent-decodes/],
    ["a%2f..%2fb", /percent-decodes to a name that has a "\.\." segment/],
    ["%2fetc", /percent-decodes to a name that is an absolute path/],
    ["a%5cb", /percent-decodes to a name that has a backslash/],
    ["a%00b", /percent-decodes to a name that has a control character/],
    ["%252e%252e/x", /percent-decodes/],
    ["%c0%ae%c0%ae/x", /overlong/],
    ["%25252525252e", /too many times|percent-decodes/],
  ];
  for (const [p, why] of bad) assert.match(filePathProblem(p) ?? "accepted", why, JSON.stringify(p));
});

test("safe-path: repo ids as huggingface_hub's validate_repo_id, revisions as git ref names", () => {
  for (const id of ["Xenova/toxic-bert", "a/b", "foo", "123", "Foo-BAR_foo.bar123", "_org/_name_", "o/" + "n".repeat(96)]) assert.equal(repoIdProblem(id), null, id);
  for (const id of ["", "a/b/c", "datasets/foo/bar", ".repo/x", "a/-b", "a/b-", "a/b.", "foo--bar", "a/b..c", "a/b.git", "o/" + "n".repeat(97), "a /b", "a/b@main", "café/x", "a\\b", "../x", "a/"]) {
    assert.notEqual(repoIdProblem(id), null, id);
  }
  for (const rev of ["main", "v1.0", "refs/pr/1", "refs/convert/parquet", "a".repeat(40), "release-2024_01", "feature/x.y"]) assert.equal(revisionProblem(rev), null, rev);
  for (const rev of ["", "..", "../x", "a/../b", "/abs", "a//b", "a\\b", "a b", "a:b", "a~1", "a^", "a?", "a*", "a[", "x.lock", "a/.hidden", "x.", "a@{1}", "@", "%2e%2e", "a\u0000"]) {
    assert.notEqual(revisionProblem(rev), null, JSON.stringify(rev));
  }
});

test("safe-path: redirects and the inside check", () => {
  const hubO = "https://hub.test";
  const from = `${hubO}/o/n/resolve/main/config.json`;
  // followed: storage host, a renamed repo, relative forms of both
  assert.equal(redirectProblem("https://cdn.test/blob/abc?X-Amz-Signature=1", from, hubO, "o/n"), null);
  assert.equal(redirectProblem("/o2/n2/resolve/main/config.json", from, hubO, "o/n"), null);
  // huggingface.co's cache of a small file at a commit: followed for the same file only
  const c40 = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(redirectProblem(`/api/resolve-cache/models/o/n/${c40}/config.json?%2Fo%2Fn%2Fresolve%2Fmain%2Fconfig.json=&etag=%22ab%22`, from, hubO, "o/n"), null);
  assert.equal(redirectProblem(`${hubO}/api/resolve-cache/models/gpt2/${c40}/config.json`, `${hubO}/gpt2/resolve/main/config.json`, hubO, "gpt2"), null);
  // a nested name comes back as one segment, its slash encoded (1_Pooling%2Fconfig.json), as huggingface.co sends it
  assert.equal(redirectProblem(`/api/resolve-cache/models/o/n/${c40}/1_Pooling%2Fconfig.json?x=1`, `${hubO}/o/n/resolve/main/1_Pooling/config.json`, hubO, "o/n"), null);
  assert.equal(redirectProblem(`/api/resolve-cache/models/o/n/${c40}/1_Pooling/config.json`, `${hubO}/o/n/resolve/main/1_Pooling/config.json`, hubO, "o/n"), null);
  assert.match(redirectProblem(`/api/resolve-cache/models/o/n/${c40}/2_Dense%2Fconfig.json`, `${hubO}/o/n/resolve/main/1_Pooling/config.json`, hubO, "o/n") ?? "followed", /resolve-cache of it/);
  for (const bad of [`/api/resolve-cache/models/o/n/${c40}/other.json`, `/api/resolve-cache/models/o/n/main/config.json`, `/api/resolve-cache/models/o/n/x/${c40}/config.json`, `/api/resolve-cache/datasets/o/n/${c40}/config.json`]) {
    assert.match(redirectProblem(bad, from, hubO, "o/n") ?? "followed", /not to the same file of a renamed repo or the Hub's resolve-cache of it/, bad);
  }
  assert.equal(redirectProblem(`${hubO}/api/models/o2/n2/revision/main`, `${hubO}/api/models/o/n/revision/main`, hubO, "o/n"), null);
  const refused = [
    ["/o2/n2/resolve/main/other.json", /renamed repo/],
    ["/o/n/resolve/main/../../../x", /path segment/],
    ["/o--x/n/resolve/main/config.json", /renamed repo/],
    ["/bad/", /renamed repo/],
    ["https://cdn.test/a/%2E%2e/b", /path segment/],
    ["https://cdn.test/a/%252e%252e/b", /path segment/],
    ["http://cdn.test/blob/x", /downgrades/],
    ["ftp://cdn.test/x", /ftp:/],
    ["javascript:alert(1)", /javascript:/],
    ["https://user:pw@cdn.test/x", /user name/],
    ["https://cdn.test/a\\..\\b", /backslash/],
    ["https://cdn.test/a\r\nX-Evil: 1", /control/],
  ];
  for (const [loc, why] of refused) assert.match(redirectProblem(loc, from, hubO, "o/n") ?? "accepted", why, loc);

  assert.ok(isInside("/c/hub", "/c/hub/models--a--b/blobs/x"));
  assert.ok(!isInside("/c/hub", "/c/hub/../x"));
  assert.ok(!isInside("/c/hub", "/c/hub"));
  assert.ok(!isInside("/c/hub", "/c/hubx/y"));
});
