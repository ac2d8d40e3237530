#!/bin/sh
# Rebuilds models/en.classify.sentiment.tiny from scratch (see training/README.md).
#   sh training/run.sh            # writes training/out/, then copies the bundle into models/
set -eu
cd "$(dirname "$0")/.."
SST2=${SST2_DIR:-../shared/data/sst2}
BENCH=${BENCH_TARBALL:-../shared/bench/distilbert-base-uncased-sst2-shape.tar.xz}
OUT=training/out
DEST=models/en.classify.sentiment.tiny
PY=${PYTHON:-/usr/bin/python3}
mkdir -p "$OUT/bundle"

npm run build --silent
# the real bert-base-uncased tokenizer.json, from the shared benchmark bundle
tar -xJf "$BENCH" -O distilbert-base-uncased-sst2-shape/tokenizer.json > "$OUT/bert-base-uncased-tokenizer.json"
node training/build-vocab.mjs "$OUT/bert-base-uncased-tokenizer.json" "$SST2/train.tsv" "$OUT/bundle"
node training/encode.mjs "$OUT/bundle" "$SST2/train.tsv" "$OUT/train.jsonl" 128
node training/encode.mjs "$OUT/bundle" "$SST2/dev.tsv" "$OUT/dev.jsonl" 128
# one thread everywhere: the float sums then run in a fixed order (see README: determinism)
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 10 "$PY" training/train.py --data "$OUT" --out "$OUT/bundle" --threads 1
"$PY" training/quantize.py "$OUT/bundle/onnx/model.onnx" "$OUT/bundle/onnx/model_quantized.onnx"
# the graphs compute what torch did (fp32: float rounding only; int8: quantization error)
node training/check-onnx.mjs "$OUT/bundle/onnx/model.onnx" "$OUT/reference-logits.json" 1e-4
node training/check-onnx.mjs "$OUT/bundle/onnx/model_quantized.onnx" "$OUT/reference-logits.json" 0.1

mkdir -p "$DEST/onnx"
cp "$OUT/bundle/config.json" "$OUT/bundle/tokenizer.json" "$OUT/bundle/tokenizer_config.json" "$DEST/"
# shipped pre-optimised: the session starts ~3x faster, logits bitwise the same (the script checks)
node training/preoptimise.mjs "$OUT/bundle/onnx/model_quantized.onnx" "$DEST/onnx/model_quantized.onnx" "$OUT/bundle"
sha256sum "$DEST/config.json" "$DEST/tokenizer.json" "$DEST/tokenizer_config.json" "$DEST/onnx/model_quantized.onnx"
./bin/nlp.js eval -m "$DEST" --file "$SST2/dev.tsv" --label-map 0=NEGATIVE,1=POSITIVE
