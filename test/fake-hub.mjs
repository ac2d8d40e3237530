// A fake Hugging Face Hub on 127.0.0.1 speaking the download protocol nlp uses:
//   HEAD/GET /{owner}/{name}/resolve/{revision}/{path}
//     small files: 200 with ETag (git blob sha1), Content-Length, X-Repo-Commit
//     large files: 302 to a second port ("storage host") with X-Linked-Etag (sha256),
//                  X-Linked-Size, X-Repo-Commit
//   GET /api/models/{owner}/{name}/revision/{revision}: { sha, siblings }
//   storage host: GET /blob/{sha256}, honouring Range (206 + Content-Range)
// Errors as the Hub sends them (X-Error-Code): RepoNotFound (401 without a token), GatedRepo,
// RevisionNotFound, EntryNotFound. Faults, each for the first `times` matching requests:
//   status (e.g. 500), cut (close the socket after `at` bytes), slow (pause `pauseMs` after `at` bytes),
//   corrupt (flip a byte), headers (answer as usual but with these headers, and `status` if given:
//   a hostile X-Repo-Commit, ETag or redirect Location), endless (a 200 whose body never ends: the
//   file's bytes, then zeros, or on the Hub a file list that never closes), sha (a file list naming
//   this commit instead), short (a body cut to this many bytes, with a matching Content-Length).
// Hostile mode: `hub.answerAnything = { commit, body }` makes the Hub answer every path it does not
// know (including one a client normalised "../" out of) with that file at that commit, as a
// malicious endpoint would.
// Every request is logged with its headers so tests can count requests and check Authorization.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { connect } from "node:net";

const LARGE = 64 * 1024; // files at least this big are "LFS" files served by the storage host

export function sha256(buf) {
  return createHash("sha256").update(buf).digest("hex");
}
function gitSha1(buf) {
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

/**
 * repos: { "owner/name": { refs: { main: commit, v1: commit }, commits: { [commit]: { [path]: Buffer } }, gated?: true } }
 * token: the token that opens gated repos.
 */
export async function startFakeHub({ repos, token = "hf_test_token" }) {
  const log = [];
  const faults = [];
  const blobs = new Map(); // sha256 → Buffer

  for (const repo of Object.values(repos)) for (const files of Object.values(repo.commits)) for (const buf of Object.values(files)) blobs.set(sha256(buf), buf);

  const takeFault = (server, method, target) => {
    const f = faults.find((x) => x.times > 0 && (x.server ?? server) === server && (!x.method || x.method === method) && target.includes(x.match));
    if (!f) return null;
    f.times--;
    f.hits = (f.hits ?? 0) + 1;
    return f;
  };

  const record = (server, req) => log.push({ server, method: req.method, url: req.url, headers: { ...req.headers } });

  const sendRaw = (res, status, headers = {}, body) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const send = sendRaw;
  /** A 200 with no Content-Length whose body never ends: `head`, then filler as fast as the client reads. */
  const endless = (res, head) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(head);
    const filler = Buffer.alloc(256 * 1024, 0x20);
    const more = () => {
      while (!res.destroyed && res.write(filler));
    };
    res.on("drain", more);
    more();
  };
  const error = (res, status, code, message) =>
    send(res, status, { "x-error-code": code, "x-error-message": message, "content-type": "application/json" }, JSON.stringify({ error: message }));

  const storage = createServer((req, res) => {
    record("cdn", req);
    const m = /^\/blob\/([0-9a-f]{64})/.exec(req.url);
    const buf = m && blobs.get(m[1]);
    if (!buf) return send(res, 404, {}, "no such blob");
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) start = Number(range[1]);
    if (start >= buf.length && buf.length > 0) return send(res, 416, { "content-range": `bytes */${buf.length}` });
    const fault = takeFault("cdn", req.method, req.url);
    if (fault?.headers) return send(res, fault.status ?? 200, fault.headers, "");
    if (fault?.endless) return endless(res, buf);
    if (fault?.status) return send(res, fault.status, {}, "injected failure");
    let body = buf.subarray(start);
    if (fault?.short) body = body.subarray(0, fault.short); // a clean, well-formed answer that simply ends early
    if (fault?.corrupt) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)] ^= 0xff;
    }
    const headers = { "content-length": String(body.length), "content-type": "application/octet-stream", "accept-ranges": "bytes" };
    if (range) headers["content-range"] = `bytes ${start}-${buf.length - 1}/${buf.length}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") return res.end();
    if (fault?.cut) {
      res.write(body.subarray(0, fault.at), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    if (fault?.slow) {
      res.write(body.subarray(0, fault.at));
      const timer = setTimeout(() => res.end(body.subarray(fault.at)), fault.pauseMs);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    res.end(body);
  });

  const hub = createServer((req, res) => {
    record("hub", req);
    const url = new URL(req.url, "http://x");
    const auth = req.headers.authorization;
    const authed = auth === `Bearer ${token}`;
    const fault = takeFault("hub", req.method, req.url);
    if (fault?.status && !fault.headers) return error(res, fault.status, "ServerError", "injected failure");
    if (fault?.endless) return endless(res, Buffer.from('{"sha":"' + "0".repeat(40) + '","siblings":['));
    // a hostile fault keeps the usual answer and overrides its headers (and status)
    const send = (res, status, headers = {}, body) => sendRaw(res, fault?.headers ? (fault.status ?? status) : status, { ...headers, ...fault?.headers }, body);

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const cached = /^\/api\/resolve-cache\/models\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    const m = api ?? resolve ?? cached;
    const anything = () => {
      const { commit, body } = handle.answerAnything;
      const headers = { "x-repo-commit": commit, etag: `"${gitSha1(body)}"`, "content-length": String(body.length) };
      return send(res, 200, headers, req.method === "HEAD" ? undefined : body);
    };
    if (!m) return handle.answerAnything ? anything() : send(res, 404, {}, "not found");
    const repoId = decodeURIComponent(m[1]);
    const repo = repos[repoId];
    if (!repo || (repo.private && !authed)) {
      return authed
        ? error(res, 404, "RepoNotFound", "Repository not found")
        : error(res, 401, "RepoNotFound", "Repository not found (or private: authenticate)");
    }
    if (repo.gated && !authed) return error(res, 401, "GatedRepo", `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it.`);
    const revision = decodeURIComponent(m[2]);
    const commit = repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
    if (!commit) return error(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const files = repo.commits[commit];
    if (api) {
      return send(res, 200, { "content-type": "application/json" }, JSON.stringify({ id: repoId, sha: fault?.sha ?? commit, siblings: Object.keys(files).map((rfilename) => ({ rfilename })) }));
    }
    const path = decodeURIComponent(m[3]);
    const buf = files[path];
    if (!buf && handle.answerAnything) return anything();
    if (!buf) return send(res, 404, { "x-error-code": "EntryNotFound", "x-repo-commit": commit }, "Entry not found");
    const common = { "x-repo-commit": commit, "access-control-expose-headers": "X-Repo-Commit,X-Linked-Etag,X-Linked-Size" };
    if (buf.length >= LARGE) {
      const sha = sha256(buf);
      return send(res, 302, {
        ...common,
        location: `${storageOrigin}/blob/${sha}?X-Amz-Signature=fake`,
        "x-linked-etag": `"${sha}"`,
        "x-linked-size": String(buf.length),
        etag: `"${gitSha1(Buffer.from(`pointer ${sha}`))}"`,
        "content-length": "0",
      });
    }
    if (handle.resolveCache && resolve) {
      // as huggingface.co since 2025: a small file's resolve URL redirects to its commit-pinned cache URL, a
      // nested name as one segment (onnx%2Fconfig.json)
      const location = `/api/resolve-cache/models/${repoId}/${commit}/${encodeURIComponent(decodeURIComponent(m[3]))}?${encodeURIComponent(url.pathname)}=&etag=%22${gitSha1(buf)}%22`;
      return send(res, 307, { location, "content-length": "0" });
    }
    const headers = { ...common, etag: `"${gitSha1(buf)}"`, "content-length": String(buf.length), "content-type": "application/octet-stream" };
    if (req.method === "HEAD") return send(res, 200, headers);
    send(res, 200, headers, buf);
  });

  const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
  const hubPort = await listen(hub);
  const storagePort = await listen(storage);
  const storageOrigin = `http://127.0.0.1:${storagePort}`;

  const handle = {
    /** hostile mode (see the top): { commit, body } or null */
    answerAnything: null,
    /** answer small files' resolve URLs with a 307 to /api/resolve-cache/models/{repo}/{commit}/{path}, as huggingface.co does */
    resolveCache: false,
    endpoint: `http://127.0.0.1:${hubPort}`,
    storageOrigin,
    token,
    log,
    /** adds a fault; returns it so tests can read `hits` */
    fault(f) {
      const x = { times: 1, ...f };
      faults.push(x);
      return x;
    },
    clear() {
      log.length = 0;
      faults.length = 0;
      handle.answerAnything = null;
      handle.resolveCache = false;
    },
    requests(filter = () => true) {
      return log.filter(filter);
    },
    close() {
      hub.closeAllConnections?.();
      storage.closeAllConnections?.();
      return Promise.all([new Promise((r) => hub.close(r)), new Promise((r) => storage.close(r))]);
    },
  };
  return handle;
}

/** An HTTP proxy on 127.0.0.1 (CONNECT tunnels and absolute-URI requests), counting what goes through it. */
export async function startProxy() {
  const seen = [];
  const tunnels = new Set();
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502);
    res.end("this test proxy only tunnels");
  });
  server.on("connect", (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url.split(":");
    tunnels.add(client);
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tunnels.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const port = await new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close() {
      for (const s of tunnels) s.destroy();
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}
