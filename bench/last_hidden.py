"""Cuts the bench classifier's graph at the encoder's last hidden state, for the ner and embed benches
(make-token-head.py, make-embed-bundle.py). Needs python3-onnx."""
import json
import os


def cut_at_last_hidden(model):
    """Drops the sequence head (from the Gather that picks token 0 out of the last hidden state) and the
    constants and initializers only it used; returns the hidden state's tensor name and the dropped node count."""
    g = model.graph
    gather_at = max(i for i, n in enumerate(g.node) if n.op_type == "Gather" and i > len(g.node) - 10)
    hidden = g.node[gather_at].input[0]
    dropped = len(g.node) - gather_at
    del g.node[gather_at:]
    used = {i for n in g.node for i in n.input}
    dead = [n for n in g.node if n.op_type == "Constant" and not any(o in used for o in n.output)]
    for n in dead:
        g.node.remove(n)
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return hidden, dropped


def hidden_width(src):
    config = json.load(open(os.path.join(src, "config.json")))
    return config, config.get("hidden_size") or config.get("dim")
