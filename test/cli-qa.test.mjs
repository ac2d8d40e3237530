// Found in a QA pass of the CLI as shell scripts use it: each test is a bug that was there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli, runInProcess } from "./helpers.mjs";

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
