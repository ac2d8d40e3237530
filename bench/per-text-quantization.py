#!/usr/bin/env python3
"""
The experiment behind docs/performance.md, "A graph that quantizes per text": can int8 texts share a batch and
keep their batch-1 scores? Rewrites a dynamically quantized graph (ORT quantize_dynamic: DynamicQuantizeLinear
-> MatMulInteger -> Cast -> Mul -> Add) so that each sample gets its own activation scale and zero point, then
compares logits bitwise and times batch 1 against same-length batches, single-threaded.

  python3 -m venv /tmp/qenv && /tmp/qenv/bin/pip install onnxruntime onnx numpy tokenizers
  /tmp/qenv/bin/python bench/per-text-quantization.py bench/.work/distilbert-base-uncased-sst2-shape bench/.work/sst2-dev.json

Not part of `npm run bench`: nlp does not ship the rewrite (the numbers say why).
"""
import json, sys, tempfile, time, os
import numpy as np
import onnx, onnxruntime as ort
from onnx import helper, numpy_helper, TensorProto
from tokenizers import Tokenizer


def rewrite(src, dst):
    m = onnx.load(src)
    rank = {vi.name: len(vi.type.tensor_type.shape.dim) for vi in onnx.shape_inference.infer_shapes(onnx.load(src, load_external_data=False)).graph.value_info}
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    extra = []

    def const(name, arr):
        extra.append(numpy_helper.from_array(np.array(arr), name))
        return name

    const("q_zero_f", np.float32(0)); const("q_255", np.float32(255)); const("q_one", np.float32(1)); const("q_m1", np.array([-1], dtype=np.int64))
    per_sample, out = {}, []
    for n in g.node:
        if n.op_type == "DynamicQuantizeLinear":
            x = n.input[0]; qo, so, zo = n.output; p = x.replace("/", "_") + "_ps"
            # ORT's DynamicQuantizeLinear for a whole tensor (min/max widened to 0, scale (max-min)/255 or 1,
            # zero point round(clip(-min/scale))), here over each sample's own elements
            out += [
                helper.make_node("ReduceMin", [x], [p + "mn"], axes=list(range(1, rank[x])), keepdims=1),
                helper.make_node("ReduceMax", [x], [p + "mx"], axes=list(range(1, rank[x])), keepdims=1),
                helper.make_node("Min", [p + "mn", "q_zero_f"], [p + "mn0"]),
                helper.make_node("Max", [p + "mx", "q_zero_f"], [p + "mx0"]),
                helper.make_node("Sub", [p + "mx0", p + "mn0"], [p + "rng"]),
                helper.make_node("Div", [p + "rng", "q_255"], [p + "sc0"]),
                helper.make_node("Equal", [p + "mx0", p + "mn0"], [p + "eq"]),
                helper.make_node("Where", [p + "eq", "q_one", p + "sc0"], [so]),
                helper.make_node("Div", [p + "mn0", so], [p + "d"]),
                helper.make_node("Sub", ["q_zero_f", p + "d"], [p + "izp"]),
                helper.make_node("Clip", [p + "izp", "q_zero_f", "q_255"], [p + "czp"]),
                helper.make_node("Round", [p + "czp"], [p + "rzp"]),
                helper.make_node("Cast", [p + "rzp"], [zo], to=TensorProto.UINT8),
                helper.make_node("Cast", [p + "rzp"], [p + "zp32"], to=TensorProto.INT32),
                helper.make_node("Reshape", [so, "q_m1"], [p + "sflat"]),
                helper.make_node("Reshape", [zo, "q_m1"], [p + "zflat"]),
                helper.make_node("QuantizeLinear", [x, p + "sflat", p + "zflat"], [qo], axis=0),
            ]
            per_sample[qo] = p + "zp32"
        elif n.op_type == "MatMulInteger" and n.input[0] in per_sample:
            # ORT's MatMulInteger takes one zero point for A: run it with none and subtract zp * colsum(W - wzp),
            # exact in int32
            a, w, _, wzp = n.input
            colsum = (numpy_helper.to_array(inits[w]).astype(np.int32) - numpy_helper.to_array(inits[wzp]).astype(np.int32)).sum(axis=0).astype(np.int32)
            o = n.output[0]
            out += [
                helper.make_node("MatMulInteger", [a, w, "", wzp], [o + "_noazp"]),
                helper.make_node("Mul", [per_sample[a], const(o + "_colsum", colsum)], [o + "_corr"]),
                helper.make_node("Sub", [o + "_noazp", o + "_corr"], [o]),
            ]
        else:
            out.append(n)
    del g.node[:]
    g.node.extend(out)
    g.initializer.extend(extra)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return len(per_sample)


def main(model_dir, texts_json):
    src = os.path.join(model_dir, "onnx", "model_quantized.onnx")
    dst = os.path.join(tempfile.mkdtemp(), "per_text.onnx")
    print("per-sample quantizations:", rewrite(src, dst))
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_padding(); tok.no_truncation()
    ids = [np.array(tok.encode(t).ids, dtype=np.int64) for t in json.load(open(texts_json))]

    def session(path):
        o = ort.SessionOptions(); o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        o.intra_op_num_threads = 1; o.inter_op_num_threads = 1; o.log_severity_level = 3
        return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])

    orig, per = session(src), session(dst)
    run = lambda s, x: s.run(["logits"], {"input_ids": x, "attention_mask": np.ones_like(x)})[0]
    groups = {}
    for i, x in enumerate(ids): groups.setdefault(len(x), []).append(i)

    def one(s): return [run(s, x[None, :])[0] for x in ids]

    def same_length(s, min_group=1):
        out = [None] * len(ids)
        for idx in groups.values():
            if len(idx) < min_group:
                for i in idx: out[i] = run(orig, ids[i][None, :])[0]
                continue
            for k in range(0, len(idx), 32):
                part = idx[k:k + 32]
                for j, r in enumerate(run(s, np.stack([ids[i] for i in part]))): out[part[j]] = r
        return out

    def padded32(s):
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for k in range(0, len(order), 32):
            part = order[k:k + 32]; L = max(len(ids[i]) for i in part)
            x = np.zeros((len(part), L), dtype=np.int64); m = np.zeros_like(x)
            for j, i in enumerate(part): x[j, :len(ids[i])] = ids[i]; m[j, :len(ids[i])] = 1
            s.run(["logits"], {"input_ids": x, "attention_mask": m})

    a, c, d = one(orig), one(per), same_length(per)
    eq = lambda x, y: int((np.array(x) == np.array(y)).all(axis=1).sum())
    print(f"{len(ids)} texts, {len(groups)} distinct lengths")
    print(f"per-text graph, batch 1 = original, batch 1: {eq(a, c)}/{len(ids)} bitwise")
    print(f"per-text graph, same-length batches of <= 32 = original, batch 1: {eq(a, d)}/{len(ids)} bitwise")
    for name, f in [
        ("original, batch 1 (nlp's default)", lambda: one(orig)),
        ("per-text graph, batch 1", lambda: one(per)),
        ("per-text graph, same-length batches <= 32", lambda: same_length(per)),
        ("same-length groups of >= 4 on the per-text graph, the rest batch 1", lambda: same_length(per, 4)),
        ("original, length-sorted padded batches of 32 (the raw loop; not exact)", lambda: padded32(orig)),
    ]:
        t = time.perf_counter(); f(); print(f"{name}: {time.perf_counter() - t:.2f} s (1 thread)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
