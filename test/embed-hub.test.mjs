// A sentence-transformers repo on the Hub: the download plan takes its pipeline files along.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planFromListing } from "../dist/hub/file-plan.js";

test("planFromListing: modules.json, 1_Pooling/config.json and the sentence-transformers configs are fetched (optional)", () => {
  const listing = [
    "config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", "modules.json", "1_Pooling/config.json",
    "sentence_bert_config.json", "config_sentence_transformers.json", "2_Dense/pytorch_model.bin", "pytorch_model.bin", "README.md",
  ];
  assert.deepEqual(planFromListing("o/m", listing), {
    required: ["config.json", "tokenizer.json", "onnx/model.onnx"],
    optional: ["tokenizer_config.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"],
  });
});
