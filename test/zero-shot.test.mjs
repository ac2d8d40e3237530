// Zero-shot parity with transformers' zero-shot-classification pipeline on the
// two NLI fixtures (different label orders), through the library and the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../dist/index.js";
import { formatHypothesis, nliIndices, parseCandidateLabels, templateTakesLabel, zeroShotScores } from "../dist/tasks/classify/zero-shot.js";
import { fixture, reference, runInProcess, jsonl } from "./helpers.mjs";

const TOL = 1e-4;
const NLI = ["bert_nli", "deberta_v2_nli"];

test("pure core: labels, templates, NLI indices, score functions", () => {
  assert.deepEqual(parseCandidateLabels(" sports, politics,,tech "), ["sports", "politics", "tech"]);
  assert.equal(formatHypothesis("This example is {}.", "sports"), "This example is sports.");
  assert.equal(formatHypothesis("{{tag}} {0}!", "x"), "{tag} x!");
  assert.equal(templateTakesLabel("no slot here"), false);
  assert.throws(() => formatHypothesis("about {name}", "x"), /unsupported field/);
  assert.deepEqual(nliIndices({ contradiction: 0, neutral: 1, entailment: 2 }, undefined, 3), { entailment: 2, contradiction: 0 });
  assert.deepEqual(nliIndices(undefined, { 0: "ENTAILMENT", 1: "neutral", 2: "CONTRADICTION" }, 3), { entailment: 0, contradiction: 2 });
  assert.equal(nliIndices({ NEGATIVE: 0, POSITIVE: 1 }, undefined, 2), undefined);
  // entailment logits 0 and ln 3 → softmax 1/4, 3/4
  const idx = { entailment: 1, contradiction: 0 };
  const single = zeroShotScores([[5, 0], [-5, Math.log(3)]], idx, false);
  assert.ok(Math.abs(single[0] - 0.25) < 1e-12 && Math.abs(single[1] - 0.75) < 1e-12);
  // multi-label: per label softmax(contradiction, entailment): (0, 0) → 0.5; (ln 3 vs 0) → 0.25
  const multi = zeroShotScores([[0, 0], [Math.log(3), 0]], idx, true);
  assert.ok(Math.abs(multi[0] - 0.5) < 1e-12 && Math.abs(multi[1] - 0.25) < 1e-12);
  // one candidate label: the pipeline uses the multi-label formula
  assert.ok(Math.abs(zeroShotScores([[Math.log(3), 0]], idx, false)[0] - 0.25) < 1e-12);
});

for (const name of NLI) {
  test(`${name}: pair encodings and every score match the pipeline (single and multi label)`, async () => {
    const ref = reference(name, "zero_shot_reference.json");
    const model = await load(fixture(name), { variant: "fp32" });
    let compared = 0;
    for (const c of ref.cases) {
      c.pairs.forEach((p, i) => assert.deepEqual(model.tokenizer.encode(c.text, p.hypothesis).ids, p.input_ids, `${c.text} / ${p.hypothesis}`));
      for (const [multiLabel, want] of [[false, c.single_label], [true, c.multi_label]]) {
        const opts = { candidateLabels: c.candidate_labels, hypothesis: c.hypothesis_template, multiLabel, allScores: true };
        if (want.error) {
          assert.match(want.error, /at least one label and at least one sequence/);
          await assert.rejects(model.classify([c.text], opts), /empty text/);
          continue;
        }
        const [r] = await model.classify([c.text], opts);
        want.labels.forEach((label, i) => {
          assert.ok(Math.abs(r.scores[label] - want.scores[i]) <= TOL, `${c.text} [${multiLabel}] ${label}: ${r.scores[label]} vs ${want.scores[i]}`);
        });
        if (want.scores[0] - want.scores[1] > TOL) assert.equal(r.label, want.labels[0]);
        compared++;
      }
    }
    assert.equal(compared, 56);
    await model.dispose();
  });
}

test("CLI: zero-shot records, --all-scores, empty text → error record and exit 1, --skip-invalid → exit 0", async () => {
  const ref = reference("deberta_v2_nli", "zero_shot_reference.json");
  const c = ref.cases.find((x) => x.candidate_labels.length === 4 && x.text !== "");
  const args = ["classify", "-m", fixture("deberta_v2_nli"), "--variant", "fp32", "--labels", c.candidate_labels.join(","), "--hypothesis", c.hypothesis_template, "--all-scores", "--format", "jsonl"];
  const ok = await runInProcess([...args, c.text]);
  assert.equal(ok.code, 0, ok.stderr);
  const [r] = jsonl(ok.stdout);
  c.single_label.labels.forEach((l, i) => assert.ok(Math.abs(r.scores[l] - c.single_label.scores[i]) <= TOL));
  assert.equal(r.label, c.single_label.labels[0]);

  const multi = await runInProcess([...args, "--multi-label", c.text]);
  c.multi_label.labels.forEach((l, i) => assert.ok(Math.abs(jsonl(multi.stdout)[0].scores[l] - c.multi_label.scores[i]) <= TOL));

  const empty = await runInProcess([...args], { input: `${c.text}\n\n${c.text}\n` });
  assert.equal(empty.code, 1);
  const recs = jsonl(empty.stdout);
  assert.equal(recs.length, 3);
  assert.equal(recs[1].text, "");
  assert.equal(recs[1].label, null);
  assert.match(recs[1].error, /empty text/);
  assert.match(empty.stderr, /line 2/);

  const skipped = await runInProcess([...args, "--skip-invalid"], { input: `${c.text}\n\n` });
  assert.equal(skipped.code, 0);
  assert.equal(jsonl(skipped.stdout).length, 1);
});

test("CLI: usage errors name the fix", async () => {
  const nli = fixture("bert_nli");
  const noSlot = await runInProcess(["classify", "-m", nli, "--labels", "a,b", "--hypothesis", "no slot", "x"]);
  assert.equal(noSlot.code, 2);
  assert.match(noSlot.stderr, /--hypothesis .* \{\}/);
  const noLabels = await runInProcess(["classify", "-m", nli, "--labels", " , ", "x"]);
  assert.equal(noLabels.code, 2);
  const notNli = await runInProcess(["classify", "-m", fixture("bert"), "--labels", "a,b", "x"]);
  assert.equal(notNli.code, 1);
  assert.match(notNli.stderr, /entailment.*NLI model/);
  const orphan = await runInProcess(["classify", "-m", nli, "--multi-label", "x"]);
  assert.equal(orphan.code, 2);
});
