// Found in a QA pass of the CLI as shell scripts use it: each test is a bug that was there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { parse } from "csv-parse/sync";
import { BIN, fixture, runCli, runInProcess } from "./helpers.mjs";

const BERT = fixture("bert");
/** a cache with nothing in it, and no network: a Hub model cannot load */
const offline = () => ({ HF_HOME: mkdtempSync(join(tmpdir(), "nlp-qa-")), HF_HUB_OFFLINE: "1" });

test("--workers/--threads/--batch-size: a huge value is a usage error, not a crash (1e9 workers: V8 out of memory; 100000 threads: SIGSEGV)", async () => {
  for (const [flag, value] of [["--workers", "1e9"], ["--workers", "100000"], ["--threads", "100000"], ["--batch-size", "1e300"], ["--workers", "0x10"]]) {
    const r = await runInProcess(["classify", "-m", BERT, flag, value, "good film"]);
    assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^nlp: ${flag} must be an integer from 1 to \\d+, got "${value}"\\n$`));
  }
  // an ordinary value still runs
  const ok = await runInProcess(["classify", "-m", BERT, "--workers", "2", "--threads", "1", "--batch-size", "64", "good film"]);
  assert.equal(ok.code, 0, ok.stderr);
});

test("input usage errors come before the model loads: exit 2, not a download or the model's exit 1", async () => {
  const cases = [
    [["classify", "-m", "owner/absent", "-f", "no-such-file.csv"], /^nlp: input file not found: no-such-file\.csv/],
    [["classify", "-m", "owner/absent", "--input", "xml"], /^nlp: unknown --input "xml"/],
    [["classify", "-m", "owner/absent", "--column", "2"], /^nlp: --column applies only to CSV\/TSV/],
    [["ner", "-m", "owner/absent", "-f", "no-such-file.txt"], /^nlp: input file not found/],
    [["embed", "-m", "owner/absent", "-f", "no-such-file.txt"], /^nlp: input file not found/],
    [["tokenize", "-m", "owner/absent", "-f", "no-such-file.txt"], /^nlp: input file not found/],
    [["eval", "-m", "owner/absent", "--file", "no-such-file.tsv"], /^nlp: input file not found/],
  ];
  for (const [args, message] of cases) {
    const r = await runInProcess(args, { input: "", env: offline() });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
  }
});

test("--input is never silently ignored: a bad value or a record format with TEXT arguments is a usage error", async () => {
  for (const cmd of ["classify", "tokenize"]) {
    const bad = await runInProcess([cmd, "-m", BERT, "--input", "xml", "good film"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^nlp: unknown --input "xml"; use one of lines, jsonl, csv, tsv\n$/);
    // `--input jsonl '{"text":"a"}'` used to classify the JSON source as text
    const json = await runInProcess([cmd, "-m", BERT, "--input", "jsonl", '{"text":"good film"}']);
    assert.equal(json.code, 2, json.stderr);
    assert.match(json.stderr, /^nlp: --input jsonl reads --file or stdin, but these are texts given as arguments; pass the records with --file or on stdin\n$/);
  }
  // lines is what arguments are anyway
  const lines = await runInProcess(["classify", "-m", BERT, "--input", "lines", "good film"]);
  assert.equal(lines.code, 0, lines.stderr);
});

test("a huge CSV cell echoed whole in CSV output draws no 'shortened' notice", async () => {
  const big = "word ".repeat(25_000); // 125,000 characters, over the 100,000 echo limit
  const input = `id,text\n1,${big}\n2,ok\n`;
  const csv = await runCli(["classify", "-m", BERT, "--input", "csv", "--max-length", "8"], { input });
  assert.equal(csv.code, 0, csv.stderr);
  assert.ok(csv.stdout.includes(`1,${big},`), "the cell comes back whole");
  assert.doesNotMatch(csv.stderr, /shortened/);
  // JSON lines of plain text do shorten it, and say so
  const lines = await runCli(["classify", "-m", BERT, "--max-length", "8"], { input: `${big}\n` });
  assert.equal(lines.code, 0, lines.stderr);
  assert.match(lines.stderr, /1 text longer than 100,000 characters is shortened/);
});

test("--file naming a folder is a usage error, not an 'unexpected error … please report this'", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-qa-dir-"));
  for (const cmd of [["classify", "-m", BERT], ["tokenize", "-m", BERT]]) {
    const r = await runInProcess([...cmd, "-f", dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `nlp: --file ${dir} is a folder, not a file; pass a file, or '-' to read stdin\n`);
  }
});

test("a file that fails to read is one line naming it (exit 1), not an 'unexpected error'", { skip: process.platform !== "linux" }, async () => {
  // reading /proc/self/mem from offset 0 fails with EIO, as a bad disk or a vanished network mount does
  const r = await runInProcess(["classify", "-m", BERT, "-f", "/proc/self/mem"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^nlp: cannot read \/proc\/self\/mem: EIO: i\/o error, read\n$/);
});

test("--offsets without --level sentence is a usage error, as --stride without --long chunk is (it was ignored)", async () => {
  const r = await runInProcess(["classify", "-m", BERT, "--offsets", "utf16", "good film"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "nlp: --offsets only applies with --level sentence (the begin/end it counts)\n");
  const ok = await runInProcess(["classify", "-m", BERT, "--level", "sentence", "--offsets", "utf16", "😀 Good. Bad."]);
  assert.equal(ok.code, 0, ok.stderr);
});

test("a mistyped option or command is one stderr line with commander's suggestion in it", async () => {
  const opt = await runCli(["classify", "--formt", "json", "good film"]);
  assert.equal(opt.code, 2);
  assert.equal(opt.stderr, "nlp: error: unknown option '--formt' (did you mean --format?)\n");
  const cmd = await runCli(["clasify", "good film"]);
  assert.equal(cmd.code, 2);
  assert.equal(cmd.stderr, "nlp: error: unknown command 'clasify' (did you mean classify?)\n");
});

/** Terminal columns of the characters these tests use: CJK and 😀 take two, a combining accent none. */
function columns(line) {
  let n = 0;
  for (const ch of line) n += /[\u0300-\u036f]/u.test(ch) ? 0 : /[\u3000-\u9fff\uff00-\uffef]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
  return n;
}

test("tables line up by terminal columns: wide CJK, emoji cut between characters, combining accents, control characters", async () => {
  const texts = [
    "日本語のテキストはとても長いです、本当に長い文章ですね。日本語のテキストはとても長いです",
    "a" + "😀".repeat(40), // an odd cut point: a code-unit slice leaves half a surrogate pair
    "cafe\u0301 ok",
    "short",
    "bell\u0007 and \u001b[2J clear screen",
  ];
  const r = await runInProcess(["classify", "-m", BERT, "--format", "table", ...texts], { env: { COLUMNS: "60" } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2 + texts.length);
  const labelAt = lines[0].indexOf("label");
  for (const line of lines.slice(2)) {
    assert.ok(columns(line) <= 60, `fits 60 columns: ${line}`);
    assert.doesNotMatch(line, /[\ud800-\udfff]/u, "no half of a surrogate pair");
    assert.doesNotMatch(line, /\p{Cc}/u, "no control character reaches the terminal");
    // the label column starts at the same terminal column on every row
    const [label] = line.match(/(POSITIVE|NEGATIVE)\s+-?\d\.\d{4}$/);
    assert.equal(columns(line.slice(0, line.length - label.length)), labelAt, line);
  }
  assert.match(lines[2], /…  /);
  assert.ok(lines[4].startsWith("cafe\u0301 ok  "), lines[4]);
});

test("JSONL: an object or array under --text-key is an invalid record, not the text '[object Object]'", async () => {
  const input = '{"text":"good film"}\n{"text":{"body":"nested"}}\n{"text":["a","b"]}\n{"text":5}\n';
  const r = await runInProcess(["classify", "-m", BERT, "--input", "jsonl"], { input });
  assert.equal(r.code, 1);
  assert.equal(r.stdout.trim().split("\n").length, 1, "the good record before it is written");
  assert.equal(r.stderr, 'nlp: line 2: "text" holds an object, not a text; pass --text-key with the path to a string field (e.g. text.body), or --skip-invalid to report and skip such lines\n');
  const skip = await runInProcess(["classify", "-m", BERT, "--input", "jsonl", "--skip-invalid"], { input });
  assert.equal(skip.code, 0, skip.stderr);
  assert.deepEqual(skip.stdout.trim().split("\n").map((l) => JSON.parse(l).text), ["good film", 5]);
  assert.match(skip.stderr, /skipped: line 2: "text" holds an object, not a text\n/);
  assert.match(skip.stderr, /skipped: line 3: "text" holds an array, not a text\n/);
});

/** Writes each burst to `nlp …`'s stdin only once the output holds `lines` more lines; resolves the whole run. */
async function inBursts(args, bursts) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let waiting;
  child.stdout.on("data", (d) => {
    out += d;
    waiting?.();
  });
  child.stderr.on("data", (d) => (err += d));
  const closed = new Promise((r) => child.on("close", r));
  for (const [text, lines, pauseMs = 0] of bursts) {
    child.stdin.write(text);
    await new Promise((r) => setTimeout(r, pauseMs));
    // stdin stays open: these lines come only if the reader handed on the rows it has
    while (out.split("\n").length - 1 < lines) await new Promise((r) => (waiting = r));
  }
  child.stdin.end();
  return { code: await closed, stdout: out, stderr: err };
}

test("CSV/TSV on a slow stdin: each row is answered before the next arrives (csv-parse held the last row back)", async () => {
  const csv = await inBursts(["classify", "-m", BERT, "--input", "csv"], [
    ["id,text\r\n1,first\r\n", 2],
    ['2,"a quoted\r\nnewline"\r\n', 3],
    ["3,third\r\n", 4],
  ]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.deepEqual(parse(csv.stdout).map((r) => r.slice(0, 2)), [["id", "text"], ["1", "first"], ["2", "a quoted\r\nnewline"], ["3", "third"]]);
  const tsv = await inBursts(["classify", "-m", BERT, "--input", "tsv", "--column", "b"], [["a\tb\n1\tfirst\n", 2], ["2\tsecond\n", 3]]);
  assert.equal(tsv.code, 0, tsv.stderr);
  assert.deepEqual(tsv.stdout.split("\n").map((l) => l.split("\t").slice(0, 2)), [["a", "b"], ["1", "first"], ["2", "second"], [""]]);
  // a quoted field left open at a pause is not cut there: the row comes whole once its quote closes
  const open = await inBursts(["classify", "-m", BERT, "--input", "csv"], [["id,text\n1,\"open\n", 0, 300], ['still open"\n', 2]]);
  assert.equal(open.code, 0, open.stderr);
  assert.deepEqual(parse(open.stdout).map((r) => r.slice(0, 2)), [["id", "text"], ["1", "open\nstill open"]]);
  // line numbers run on across the pauses
  const bad = await inBursts(["classify", "-m", BERT, "--input", "csv"], [['id,text\n1,"a\nb"\n', 2], ["2,b\n", 3], ["3,b,extra\n", 0]]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^nlp: row 3 \(line 5\) has 3 field\(s\) but the header has 2/);
});

test("bad input after good records: --format json still closes its array, so the good records parse (exit 1)", async () => {
  const r = await runInProcess(["classify", "-m", BERT, "--input", "jsonl", "--format", "json"], { input: '{"text":"good film"}\nnot json\n' });
  assert.equal(r.code, 1);
  assert.deepEqual(JSON.parse(r.stdout).map((o) => o.text), ["good film"]);
  assert.match(r.stderr, /^nlp: invalid JSON on line 2/);
  const csv = await runInProcess(["classify", "-m", BERT, "--input", "csv", "--format", "json"], { input: "id,text\n1,a\n2,b,c\n" });
  assert.equal(csv.code, 1);
  assert.deepEqual(JSON.parse(csv.stdout).map((o) => o.id), ["1"]);
  const tok = await runInProcess(["tokenize", "-m", BERT, "--input", "jsonl", "--format", "json"], { input: '{"text":"good film"}\n[1]\n' });
  assert.equal(tok.code, 1);
  assert.equal(JSON.parse(tok.stdout).length, 1);
});

const TOKEN = join(fixture("bert"), "..", "..", "hf-token", "bert");
const EMBED = join(fixture("bert"), "..", "..", "hf-embed", "bert");

test("nlp ner and nlp embed: bad input after good records still closes the JSON array (exit 1)", async () => {
  for (const cmd of [["ner", "-m", TOKEN], ["embed", "-m", EMBED]]) {
    const r = await runInProcess([...cmd, "--input", "jsonl", "--format", "json"], { input: '{"text":"Ada Lovelace"}\nnot json\n' });
    assert.equal(r.code, 1, cmd[0]);
    assert.deepEqual(JSON.parse(r.stdout).map((o) => o.text), ["Ada Lovelace"], cmd[0]);
    assert.match(r.stderr, /^nlp: invalid JSON on line 2/);
  }
});

test("nlp ner and nlp embed: SIGINT closes the JSON array and says how many records (exit 130), as classify does", async () => {
  for (const cmd of [["ner", "-m", TOKEN], ["embed", "-m", EMBED]]) {
    const child = spawn(process.execPath, [BIN, ...cmd, "--format", "json"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let seen;
    child.stdout.on("data", (d) => {
      out += d;
      seen?.();
    });
    child.stderr.on("data", (d) => (err += d));
    const closed = new Promise((r) => child.on("close", r));
    child.stdin.write("one\ntwo\n"); // stdin stays open: the run is still going when the signal comes
    while ((out.match(/"text"/g) ?? []).length < 2) await new Promise((r) => (seen = r));
    child.kill("SIGINT");
    assert.equal(await closed, 130, `${cmd[0]}: ${err}`);
    assert.deepEqual(JSON.parse(out).map((o) => o.text), ["one", "two"], cmd[0]);
    assert.match(err, /^nlp: interrupted after 2 records\n$/m);
  }
});

test("--text-key on CSV, plain lines or arguments is a usage error (it was ignored: CSV labelled the wrong column)", async () => {
  const csv = await runInProcess(["classify", "-m", BERT, "--input", "csv", "--text-key", "review"], { input: "text,review\nignored,great\n" });
  assert.equal(csv.code, 2, csv.stderr);
  assert.equal(csv.stdout, "");
  assert.equal(csv.stderr, "nlp: --text-key applies only to JSONL, but this is CSV input; name the column with --column (or pass --input jsonl)\n");
  const lines = await runInProcess(["classify", "-m", BERT, "--text-key", "review"], { input: "hello\n" });
  assert.equal(lines.code, 2);
  assert.match(lines.stderr, /^nlp: --text-key applies only to JSONL, but this is plain-line input/);
  const args = await runInProcess(["classify", "-m", BERT, "--text-key", "review", "hello"]);
  assert.equal(args.code, 2);
  assert.match(args.stderr, /^nlp: --text-key applies only to JSONL, but these are texts given as arguments/);
  // JSONL takes it, and its default is still "text"
  const jl = await runInProcess(["classify", "-m", BERT, "--input", "jsonl"], { input: '{"text":"great"}\n' });
  assert.equal(jl.code, 0, jl.stderr);
});

test("nlp search --corpus x.csv --column / x.jsonl --text-key with queries as arguments: the flags read the corpus", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-qa-search-"));
  const csv = join(dir, "faq.csv");
  writeFileSync(csv, "id,answer\n1,reset your password in settings\n2,billing is monthly\n");
  const jl = join(dir, "faq.jsonl");
  writeFileSync(jl, '{"a":"reset your password in settings"}\n{"a":"billing is monthly"}\n');
  for (const corpus of [["--corpus", csv, "--column", "answer"], ["--corpus", jl, "--text-key", "a"]]) {
    const r = await runInProcess(["search", "-m", EMBED, ...corpus, "--format", "jsonl", "reset password"]);
    assert.equal(r.code, 0, r.stderr);
    const hits = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(hits.map((h) => h.text).sort(), ["billing is monthly", "reset your password in settings"]);
  }
});

test("CSV with a repeated header name to JSON: every column kept (pandas' name.1), not the last one shown beside the first one's label", async () => {
  const r = await runInProcess(["classify", "-m", BERT, "--input", "csv", "--format", "jsonl"], { input: "text,text,,\na,b,x,y\n" });
  assert.equal(r.code, 0, r.stderr);
  const [o] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(o), ["text", "text.1", "", ".1", "label", "score"]);
  assert.deepEqual([o.text, o["text.1"], o[""], o[".1"]], ["a", "b", "x", "y"]);
  // the label is the first "text" column's, as the CSV output and the text shown now agree
  const alone = await runInProcess(["classify", "-m", BERT, "a"]);
  assert.equal(o.label, JSON.parse(alone.stdout).label);
  assert.equal(o.score, JSON.parse(alone.stdout).score);
});

test("nlp ner --format table shows no control character from the text (ESC[2J would clear the screen)", async () => {
  const r = await runInProcess(["ner", "-m", TOKEN, "--format", "table", "Ada\u001b[2J Lovelace was born in London.\u0007"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout.replaceAll("\n", ""), /\p{Cc}/u);
  assert.match(r.stdout.split("\n")[0], /^\[?Ada\]?.*\ufffd/u);
});

test("a full disk under -o is one line with the fix (exit 1), not an 'unexpected error … please report this'", { skip: process.platform !== "linux" }, async () => {
  for (const format of ["npy", "jsonl"]) {
    const r = await runInProcess(["embed", "-m", EMBED, "--format", format, "-o", "/dev/full", "a cat", "a dog"]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "nlp: cannot write: ENOSPC: no space left on device, write; free some disk space or write elsewhere\n");
  }
});

test("stdout on a full disk: exit 1 and the fix on the same line", { skip: process.platform !== "linux" }, async () => {
  const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" classify -m "${BERT}" "good film" > /dev/full`], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "nlp: cannot write output: ENOSPC: no space left on device, write; free some disk space or write elsewhere\n");
});

test('-m "" and -f "" (an unset shell variable) are usage errors, not the default model or a file named ""', async () => {
  for (const cmd of ["classify", "ner", "embed", "tokenize"]) {
    const r = await runInProcess([cmd, "-m", "", "good film"], { env: offline() });
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "nlp: -m/--model is empty (an unset shell variable?); name a model folder, catalog reference or Hub repo id, or leave -m out for the default model\n");
  }
  const f = await runInProcess(["classify", "-m", BERT, "-f", ""]);
  assert.equal(f.code, 2);
  assert.equal(f.stderr, "nlp: --file is empty (an unset shell variable?); pass a path, or '-' to read stdin\n");
});

test("table: CJK and emoji labels get their terminal width, so the score columns line up", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nlp-qa-cjk-"));
  cpSync(fixture("distilbert"), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  config.id2label = { 0: "否定的", 1: "肯定的😀" };
  config.label2id = { 否定的: 0, "肯定的😀": 1 };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const r = await runInProcess(["classify", "-m", dir, "--format", "table", "--all-scores", "good", "bad"], { env: { COLUMNS: "60" } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  // every row ends at the same terminal column, the header's
  const ends = lines.map(columns);
  assert.equal(new Set([ends[0], ...ends.slice(2)]).size, 1, r.stdout);
  assert.doesNotMatch(r.stdout, /…/, "labels are not cut");
});

test("HF_ENDPOINT that is not an http(s) URL: one line naming it (exit 2), not 'unexpected error: Invalid URL'", async () => {
  for (const value of ["not-a-url", "ftp://mirror.example"]) {
    const r = await runInProcess(["classify", "-m", "owner/absent", "good film"], { env: { HF_HOME: mkdtempSync(join(tmpdir(), "nlp-qa-")), HF_ENDPOINT: value } });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `nlp: HF_ENDPOINT "${value}" is not an http(s) URL; set it to the Hub or a mirror (e.g. https://huggingface.co), or unset it\n`);
  }
});

test("HF_ENDPOINT with a user name or password: refused (exit 2) without printing them", async () => {
  const r = await runInProcess(["classify", "-m", "owner/absent", "good film"], { env: { HF_HOME: mkdtempSync(join(tmpdir(), "nlp-qa-")), HF_ENDPOINT: "https://alice:s3cret@mirror.example" } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^nlp: HF_ENDPOINT carries a user name or password/);
  assert.doesNotMatch(r.stderr, /s3cret|alice/);
});

test("HTTPS_PROXY=host:port without a scheme is used as http://host:port (as curl and requests do), not 'unexpected error'", async () => {
  const base = { HF_HOME: mkdtempSync(join(tmpdir(), "nlp-qa-")), HF_ENDPOINT: "https://hub.example", NO_PROXY: "", no_proxy: "" };
  const refused = await runInProcess(["classify", "-m", "owner/absent", "good film"], { env: { ...base, HTTPS_PROXY: "127.0.0.1:9", https_proxy: undefined } });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^nlp: cannot reach hub\.example \(ECONNREFUSED\): check your network, proxy \(HTTPS_PROXY\)/);
  const bad = await runInProcess(["classify", "-m", "owner/absent", "good film"], { env: { ...base, HTTPS_PROXY: "http://", https_proxy: undefined } });
  assert.equal(bad.code, 2, bad.stderr);
  assert.equal(bad.stderr, 'nlp: HTTPS_PROXY "http://" is not a proxy URL; set it like http://proxy.example:3128, or unset it\n');
});

test("TSV output quotes only what unquoted TSV cannot hold, so nlp (and cut) read it back: a text with \" comes back as it went in", async () => {
  const texts = ['say "hi"', '"quoted from the start"', "plain"];
  const out = await runInProcess(["classify", "-m", BERT, "--format", "tsv"], { input: texts.join("\n") + "\n" });
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(out.stdout.trim().split("\n").map((l) => l.split("\t")[0]), ["text", ...texts]);
  // read back by nlp's TSV reader (unquoted, as cut): the same texts, the same labels
  const back = await runInProcess(["classify", "-m", BERT, "--input", "tsv", "--column", "text", "--format", "jsonl"], { input: out.stdout });
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(back.stdout.trim().split("\n").map((l) => JSON.parse(l).text), texts);
  // CSV in, TSV out: the same
  const csv = await runInProcess(["classify", "-m", BERT, "--input", "csv", "--format", "tsv"], { input: 'id,text\n1,"say ""hi"""\n' });
  assert.equal(csv.stdout.split("\n")[1].split("\t").slice(0, 2).join("\t"), '1\tsay "hi"');
  // a tab or a newline cannot be in unquoted TSV: that row is quoted, as pandas' to_csv(sep="\t") does
  const tab = await runInProcess(["classify", "-m", BERT, "--format", "tsv", 'a\tb "c"']);
  assert.match(tab.stdout.split("\n")[1], /^"a\tb ""c"""\t/);
});

test("zero-shot --labels naming a label twice is a usage error (its scores collided: one was dropped from \"scores\")", async () => {
  const r = await runInProcess(["classify", "-m", fixture("bert_nli"), "--labels", "sports, tech,sports", "--all-scores", "The match went to penalties"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, 'nlp: --labels names "sports" twice; give each candidate label once\n');
});

test("ONNX Runtime writes no telemetry device id into $HOME, and a read-only HOME draws no ORT warning on stderr", async () => {
  const home = mkdtempSync(join(tmpdir(), "nlp-qa-home-"));
  const r = await runCli(["classify", "-m", BERT, "good film"], { env: { HOME: home, HF_HOME: join(home, "hf"), ORT_DISABLE_TELEMETRY: undefined } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join(home, ".cache", "Microsoft")), false, "~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid");
  // HOME not a writable folder (a read-only container): ORT warned "Failed to persist telemetry device ID"
  const file = join(home, "not-a-folder");
  writeFileSync(file, "");
  const ro = await runCli(["classify", "-m", BERT, "good film"], { env: { HOME: file, HF_HOME: join(home, "hf"), ORT_DISABLE_TELEMETRY: undefined } });
  assert.equal(ro.code, 0, ro.stderr);
  assert.equal(ro.stderr, "");
});
