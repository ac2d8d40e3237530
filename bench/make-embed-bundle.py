#!/usr/bin/env python3
"""Turns the bench classifier into a sentence-transformers bundle on the same encoder, for
`npm run bench -- embed`: the graph is cut at the last hidden state (last_hidden.py), which becomes the
graph's output `last_hidden_state` [batch, seq, dim] as in the Hub's feature-extraction exports, and the
folder gets modules.json (Transformer → Pooling → Normalize), 1_Pooling/config.json (mean) and
sentence_bert_config.json (max_seq_length 512, the tokenizer's own limit, which transformers.js truncates
at). Needs python3-onnx (apt-get install python3-onnx).

usage: make-embed-bundle.py <classifier dir> <output dir>
"""
import json
import os
import shutil
import sys

import onnx
from onnx import TensorProto, helper

from last_hidden import cut_at_last_hidden, hidden_width

src, dst = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(src, "onnx", "model.onnx"))
g = model.graph
hidden, dropped = cut_at_last_hidden(model)
config, width = hidden_width(src)
g.node.extend([helper.make_node("Identity", [hidden], ["last_hidden_state"])])
del g.output[:]
g.output.extend([helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", width])])
onnx.checker.check_model(model)

os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
os.makedirs(os.path.join(dst, "1_Pooling"), exist_ok=True)
onnx.save(model, os.path.join(dst, "onnx", "model.onnx"))
for f in ["tokenizer.json", "tokenizer_config.json"]:
    shutil.copy(os.path.join(src, f), os.path.join(dst, f))
config["architectures"] = ["DistilBertModel"]
for k in ["id2label", "label2id", "num_labels", "problem_type"]:
    config.pop(k, None)


def write(name, value):
    json.dump(value, open(os.path.join(dst, name), "w"), indent=2)


write("config.json", config)
write("modules.json", [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
])
write("1_Pooling/config.json", {
    "word_embedding_dimension": width, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
    "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
})
write("sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
print(f"last_hidden_state = {hidden} ({width}), dropped {dropped} head nodes → {dst}")
