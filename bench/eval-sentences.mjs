#!/usr/bin/env node
// Measures sentence splitters against the hand-labelled gold set
// (test/fixtures/sentences-gold.json): boundary precision, recall and F1, and
// the share of texts split exactly right. Optional npm splitters (sbd,
// sentence-splitter) are measured too when NODE_PATH can import them.
//   npm run build && node bench/eval-sentences.mjs [--errors rules]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { splitSentences } from "../dist/engine/sentences.js";

const all = JSON.parse(readFileSync(new URL("../test/fixtures/sentences-gold.json", import.meta.url), "utf8")).items;
const require = createRequire(import.meta.url);

/** Sentence starts (first non-space index) after the first: what a boundary is, whitespace aside. */
function startsOf(text, pieces) {
  const starts = [];
  let pos = 0;
  for (const p of pieces) {
    const t = p.trim();
    if (!t) continue;
    const i = text.indexOf(t, pos);
    if (i < 0) throw new Error(`piece not found in text: ${t}`);
    starts.push(i);
    pos = i + t.length;
  }
  return starts.slice(1);
}

const splitters = {
  regex: (t) => splitSentences(t, { splitter: "regex" }).map((s) => s.text),
  intl: (t) => splitSentences(t, { splitter: "intl" }).map((s) => s.text),
  rules: (t) => splitSentences(t).map((s) => s.text),
};
try {
  const sbd = require("sbd");
  splitters.sbd = (t) => sbd.sentences(t, { newline_boundaries: true });
} catch {}
try {
  const { split } = require("sentence-splitter");
  splitters["sentence-splitter"] = (t) => split(t).filter((n) => n.type === "Sentence").map((n) => n.raw);
} catch {}

const showErrors = process.argv.includes("--errors") ? process.argv[process.argv.indexOf("--errors") + 1] : undefined;
const sources = [...new Set(all.map((g) => g.source))];
for (const split of ["dev", "heldout", "all"]) {
const gold = all.filter((g) => split === "all" || g.split === split);
const rows = [];
for (const [name, fn] of Object.entries(splitters)) {
  const per = {};
  let tp = 0, fp = 0, fn_ = 0, exact = 0;
  for (const g of gold) {
    const want = new Set(startsOf(g.text, g.sentences));
    const got = new Set(startsOf(g.text, fn(g.text)));
    const p = (per[g.source] ??= { tp: 0, fp: 0, fn: 0 });
    let ok = true;
    for (const s of got) if (want.has(s)) { tp++; p.tp++; } else { fp++; p.fp++; ok = false; }
    for (const s of want) if (!got.has(s)) { fn_++; p.fn++; ok = false; }
    if (ok) exact++;
    if (!ok && showErrors === name && split !== "all") {
      console.log(`${g.id}:\n  gold: ${g.sentences.join(" ‖ ")}\n  got:  ${fn(g.text).map((s) => s.trim()).join(" ‖ ")}`);
    }
  }
  const f1 = (a) => (2 * a.tp) / (2 * a.tp + a.fp + a.fn) || 0;
  rows.push({
    splitter: name,
    precision: (tp / (tp + fp)).toFixed(3),
    recall: (tp / (tp + fn_)).toFixed(3),
    F1: f1({ tp, fp, fn: fn_ }).toFixed(3),
    exact: `${exact}/${gold.length}`,
    ...Object.fromEntries(sources.map((s) => [`F1 ${s}`, f1(per[s]).toFixed(2)])),
  });
}
console.log(`${split}: ${gold.length} texts, ${gold.reduce((n, g) => n + g.sentences.length - 1, 0)} boundaries`);
console.table(rows);
}
