#!/usr/bin/env python3
"""Turns the bench classifier into a token classifier on the same encoder, for `npm run bench -- ner`:
the graph is cut at the last hidden state (the tensor the sequence head gathers token 0 from) and a
random token head logits = h @ W + B ([batch, seq, 9], CoNLL BIO labels) is put on it, as the hf-token
fixtures were made. Needs python3-onnx and numpy (apt-get install python3-onnx).

usage: make-token-head.py <classifier dir> <output dir>
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from last_hidden import cut_at_last_hidden, hidden_width

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]

src, dst = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(src, "onnx", "model.onnx"))
g = model.graph
hidden, dropped = cut_at_last_hidden(model)

source_config, width = hidden_width(src)
rng = np.random.RandomState(1234)
w = (rng.standard_normal((width, len(LABELS))) * 3 / np.sqrt(width)).astype(np.float32)
# centre the logits: the hidden state's constant part is the last LayerNorm's bias; without it one label wins everywhere
producer = next(n for n in g.node if hidden in n.output)
def initializer(name):
    # the synthetic weights are shared blocks: a tensor may be an Identity of another initializer
    for t in g.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    alias = next((n for n in g.node if n.op_type == "Identity" and name in n.output), None)
    return initializer(alias.input[0]) if alias is not None else np.zeros(width, dtype=np.float32)


beta = initializer(producer.input[2]) if producer.op_type == "LayerNormalization" else np.zeros(width, dtype=np.float32)
b = (-(beta.astype(np.float32) @ w)).astype(np.float32)
b[0] += 1.5  # about half the tokens O, as in the fixtures
g.initializer.extend([numpy_helper.from_array(w, "token_head.weight"), numpy_helper.from_array(b, "token_head.bias")])
g.node.extend(
    [
        helper.make_node("MatMul", [hidden, "token_head.weight"], ["token_head_out"]),
        helper.make_node("Add", ["token_head_out", "token_head.bias"], ["logits"]),
    ]
)
del g.output[:]
g.output.extend([helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", len(LABELS)])])
onnx.checker.check_model(model)

os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
onnx.save(model, os.path.join(dst, "onnx", "model.onnx"))
for f in ["tokenizer.json", "tokenizer_config.json"]:
    shutil.copy(os.path.join(src, f), os.path.join(dst, f))
config = source_config
config.update(
    {
        "architectures": ["DistilBertForTokenClassification"],
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "num_labels": len(LABELS),
    }
)
config.pop("problem_type", None)
json.dump(config, open(os.path.join(dst, "config.json"), "w"), indent=2)
print(f"token head on {hidden} ({width} → {len(LABELS)}), dropped {dropped} head nodes → {dst}")
