// Shared by the ner tests: the hf-token fixtures (copied from ../shared/fixtures/hf-token) and the entity comparison.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.mjs";

export const TOKEN_ARCHS = ["bert", "roberta", "xlm_roberta"];
export const tokenFixture = (arch) => join(ROOT, "test", "fixtures", "hf-token", arch);
export const nerReference = (arch) => JSON.parse(readFileSync(join(tokenFixture(arch), "ner_reference.json"), "utf8"));

/** Same entities, keys, labels, words, start and end; scores within 1e-4. */
export function assertEntities(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} entities, want ${want.length}: ${JSON.stringify(got).slice(0, 300)}`);
  want.forEach((w, i) => {
    const g = got[i];
    assert.deepEqual(Object.keys(g).sort(), Object.keys(w).sort(), `${what}[${i}] keys`);
    for (const k of Object.keys(w)) {
      if (k === "score") assert.ok(Math.abs(g.score - w.score) <= 1e-4, `${what}[${i}].score: got ${g.score}, want ${w.score}`);
      else assert.equal(g[k], w[k], `${what}[${i}].${k}`);
    }
  });
}

