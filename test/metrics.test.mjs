import { test } from "node:test";
import assert from "node:assert/strict";
import { computeMetrics, parseLabelMap, goldLabelMatcher } from "../dist/tasks/classify/metrics.js";

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);
const rep = (gold, predicted, n) => Array.from({ length: n }, () => ({ gold, predicted }));

test("metrics match hand-computed values, unknown gold rows set aside", () => {
  const pairs = [...rep("A", "A", 3), ...rep("A", "B", 1), ...rep("B", "A", 2), ...rep("B", "B", 2), ...rep("B", "C", 1), ...rep("Z", "A", 1)];
  const m = computeMetrics(pairs, ["A", "B", "C"]);
  // confusion by hand: gold A → [3,1,0], gold B → [2,2,1], C never gold
  assert.deepEqual(m.confusion, [
    [3, 1, 0],
    [2, 2, 1],
    [0, 0, 0],
  ]);
  assert.equal(m.rows, 9);
  assert.equal(m.correct, 5);
  close(m.accuracy, 5 / 9);
  const [a, b, c] = m.perLabel;
  close(a.precision, 3 / 5);
  close(a.recall, 3 / 4);
  close(a.f1, 2 / 3); // 2·0.6·0.75 / 1.35
  close(b.precision, 2 / 3);
  close(b.recall, 2 / 5);
  close(b.f1, 0.5); // 2·(2/3)·0.4 / (2/3 + 0.4)
  assert.deepEqual([c.precision, c.recall, c.f1, c.support, c.predicted], [0, 0, 0, 0, 1]);
  // macro-F1 over labels present in the data (A, B), not C
  close(m.macroF1, (2 / 3 + 0.5) / 2);
  assert.deepEqual(m.unknownGold, [{ label: "Z", rows: 1 }]);
  assert.deepEqual(m.absentFromData, [{ label: "C", predicted: 1 }]);
});

test("F1 and macro-F1 are bit-for-bit scikit-learn's (2·tp / (2·tp + fp + fn)), not the harmonic mean that differs in the last bit", () => {
  const pairsOf = (g, p) => [...g].map((gold, i) => ({ gold, predicted: p[i] }));
  // expected values printed by scikit-learn 1.x precision_recall_fscore_support / f1_score(average="macro")
  let m = computeMetrics(pairsOf("AAABB", "ABBAB"), ["A", "B"]);
  assert.deepEqual(m.perLabel.map((l) => l.f1), [0.4, 0.4]); // 2PR/(P+R) gives 0.39999999999999997
  assert.equal(m.macroF1, 0.4);
  m = computeMetrics(pairsOf("AAAAABBBCCCCCCC", "ABBCCABCAACCBBC"), ["A", "B", "C"]);
  assert.deepEqual(m.perLabel.map((l) => l.f1), [0.2222222222222222, 0.25, 0.46153846153846156]);
  assert.equal(m.macroF1, 0.31125356125356124);
});

test("perfect predictions give 1s; no scored rows give 0 without NaN", () => {
  const m = computeMetrics([...rep("x", "x", 2), ...rep("y", "y", 1)], ["x", "y"]);
  assert.equal(m.accuracy, 1);
  assert.equal(m.macroF1, 1);
  const none = computeMetrics(rep("q", "x", 3), ["x", "y"]);
  assert.equal(none.rows, 0);
  assert.equal(none.accuracy, 0);
  assert.deepEqual(none.unknownGold, [{ label: "q", rows: 3 }]);
});

test("parseLabelMap reads value=LABEL pairs and rejects malformed ones", () => {
  assert.deepEqual([...parseLabelMap("0=NEGATIVE, 1=POSITIVE")], [
    ["0", "NEGATIVE"],
    ["1", "POSITIVE"],
  ]);
  assert.throws(() => parseLabelMap("0NEGATIVE"), { name: "UsageError", message: /value=LABEL/ });
  assert.throws(() => parseLabelMap("0=A,0=B"), { name: "UsageError", message: /twice/ });
  assert.throws(() => parseLabelMap(","), { name: "UsageError" });
});

test("gold values match model labels through the map, exactly, or ignoring case", () => {
  const match = goldLabelMatcher(["NEGATIVE", "POSITIVE"], new Map([["0", "NEGATIVE"]]));
  assert.equal(match("0"), "NEGATIVE");
  assert.equal(match("POSITIVE"), "POSITIVE");
  assert.equal(match(" positive "), "POSITIVE");
  assert.equal(match("neutral"), "neutral");
  // two labels equal but for case: no guessing
  assert.equal(goldLabelMatcher(["a", "A"])("A"), "A");
  assert.equal(goldLabelMatcher(["a", "A"])("a"), "a");
  assert.equal(goldLabelMatcher(["Pos", "POS"])("pos"), "pos");
});
