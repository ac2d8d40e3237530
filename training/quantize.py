"""Dynamic int8 quantization of the exported model, with the onnx package only.

onnxruntime's Python quantizer is not installable here, so this writes the same
graph pattern its quantize_dynamic emits:
  - MatMul with a constant weight  ->  DynamicQuantizeLinear(activation)
    + MatMulInteger(uint8 activation, uint8 weight) + Cast + Mul(scale product)
  - Gather from the word-embedding table -> Gather on a uint8 table + DequantizeLinear
  - everything else (the n-gram head's hashing and fp32 table included) unchanged
Weights are uint8 with a zero point (U8U8): MLAS's u8s8 kernels on AVX2 can
saturate int16 intermediate sums, U8U8 cannot, so results don't depend on the CPU.

    /usr/bin/python3 training/quantize.py training/out/bundle/onnx/model.onnx training/out/bundle/onnx/model_quantized.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_uint8(w):
    """Asymmetric per-tensor uint8 over [min(w,0), max(w,0)] so 0.0 is exact."""
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / 255.0 or 1.0
    zp = int(round(-lo / scale))
    q = np.clip(np.round(w / scale) + zp, 0, 255).astype(np.uint8)
    return q, np.float32(scale), np.uint8(zp)


def main(src, dst):
    model = onnx.load(src)
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    # torch's exporter passes some weights through Identity nodes
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}

    def const(name):
        name = alias.get(name, name)
        return (name, numpy_helper.to_array(inits[name])) if name in inits else (None, None)

    new_inits = []
    nodes = []
    done = 0
    for n in g.node:
        if n.op_type == "MatMul":
            wname, w = const(n.input[1])
            if w is not None and w.ndim == 2:
                p = n.name.strip("/").replace("/", "_") or f"matmul{done}"
                q, scale, zp = quantize_uint8(w)
                new_inits += [
                    numpy_helper.from_array(q, f"{p}_W_quantized"),
                    numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{p}_W_scale"),
                    numpy_helper.from_array(np.array(zp, dtype=np.uint8), f"{p}_W_zero_point"),
                ]
                a = n.input[0]
                nodes += [
                    helper.make_node("DynamicQuantizeLinear", [a], [f"{p}_A_q", f"{p}_A_scale", f"{p}_A_zp"], name=f"{p}_quant"),
                    helper.make_node(
                        "MatMulInteger", [f"{p}_A_q", f"{p}_W_quantized", f"{p}_A_zp", f"{p}_W_zero_point"], [f"{p}_int32"], name=f"{p}_MatMulInteger"
                    ),
                    helper.make_node("Cast", [f"{p}_int32"], [f"{p}_float"], to=TensorProto.FLOAT, name=f"{p}_cast"),
                    helper.make_node("Mul", [f"{p}_A_scale", f"{p}_W_scale"], [f"{p}_scale"], name=f"{p}_scale_mul"),
                    helper.make_node("Mul", [f"{p}_float", f"{p}_scale"], [n.output[0]], name=f"{p}_output_mul"),
                ]
                done += 1
                continue
        if n.op_type == "Gather":
            wname, w = const(n.input[0])
            # the word-embedding table; the n-gram head's table stays fp32: its
            # weights are summed over every n-gram of a text, so uint8 steps would add up
            if w is not None and w.ndim == 2 and w.shape[0] > 1000 and not wname.startswith("ngram."):
                q, scale, zp = quantize_uint8(w)
                new_inits += [
                    numpy_helper.from_array(q, f"{wname}_quantized"),
                    numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{wname}_scale"),
                    numpy_helper.from_array(np.array(zp, dtype=np.uint8), f"{wname}_zero_point"),
                ]
                nodes += [
                    helper.make_node("Gather", [f"{wname}_quantized", n.input[1]], [f"{n.output[0]}_q"], name=f"{n.name}_quant", axis=0),
                    helper.make_node(
                        "DequantizeLinear", [f"{n.output[0]}_q", f"{wname}_scale", f"{wname}_zero_point"], [n.output[0]], name=f"{n.name}_dequant"
                    ),
                ]
                done += 1
                continue
        nodes.append(n)

    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(new_inits)
    # drop float weights nothing reads any more (and the Identity nodes that fed them)
    used = {i for n in g.node for i in n.input}
    keep_nodes = [n for n in g.node if not (n.op_type == "Identity" and n.output[0] not in used and n.input[0] in inits)]
    del g.node[:]
    g.node.extend(keep_nodes)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"quantized {done} nodes -> {dst}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
