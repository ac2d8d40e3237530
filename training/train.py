"""Trains the embedded sentiment model from scratch and exports it to ONNX.

A BertForSequenceClassification re-implemented in plain torch (transformers is
not available here), with the same graph shape and parameter names, plus a
hashed n-gram side head (NBSVM/fastText style) whose weights add to the
logits; three such encoders are trained (seeds 5, 6, 7) and their logits
averaged in one graph. The exported model has the usual BERT inputs and
`logits` output and uses only standard ONNX ops, so it runs through the
package's normal BERT pipeline.

    nice -n 10 /usr/bin/python3 training/train.py --data training/out --out training/out/bundle

Reads train.jsonl / dev.jsonl written by encode.mjs (ids from the shipped
tokenizer). Dev is only printed for monitoring: the exported weights are the
average of the last epochs' weights on a fixed schedule, never picked by dev.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_POSITIONS = 128  # equals model_max_length in tokenizer_config.json


class Config:
    def __init__(self, vocab_size, hidden=128, layers=2, heads=2, intermediate=256, dropout=0.1, attn_dropout=0.1, pooling="cls",
                 ngram_orders=(), ngram_buckets=0):
        self.vocab_size = vocab_size
        self.ngram_orders = tuple(ngram_orders)
        self.ngram_buckets = ngram_buckets
        self.pooling = pooling
        self.hidden = hidden
        self.layers = layers
        self.heads = heads
        self.intermediate = intermediate
        self.dropout = dropout
        self.attn_dropout = attn_dropout

    def hf_config(self):
        """config.json as transformers writes it for BertForSequenceClassification
        (plus the n-gram head's settings when there is one: the ONNX graph is
        self-contained, so nothing reads them but people)."""
        extra = {}
        if self.ngram_orders:
            extra = {"ngram_head": {"orders": list(self.ngram_orders), "buckets": self.ngram_buckets, "rows": "unigram t: t; bigram a b: V + (a*V + b) mod buckets; trigram a b c: V + buckets + ((a*V + b)*V + c) mod buckets (V = vocab_size, orders present only)"}}
        if getattr(self, "encoders", 1) > 1:
            extra["num_encoders"] = self.encoders
        return {
            "architectures": ["BertWithNgramHeadForSequenceClassification" if self.ngram_orders else "BertForSequenceClassification"],
            "model_type": "bert",
            "attention_probs_dropout_prob": self.attn_dropout,
            "classifier_dropout": None,
            "hidden_act": "gelu",
            "hidden_dropout_prob": self.dropout,
            "hidden_size": self.hidden,
            "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
            "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
            "initializer_range": 0.02,
            "intermediate_size": self.intermediate,
            "layer_norm_eps": 1e-12,
            "max_position_embeddings": MAX_POSITIONS,
            "num_attention_heads": self.heads,
            "num_hidden_layers": self.layers,
            "pad_token_id": 0,
            "position_embedding_type": "absolute",
            "problem_type": "single_label_classification",
            "type_vocab_size": 2,
            "vocab_size": self.vocab_size,
            **extra,
        }


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.attn_out = nn.Linear(c.hidden, c.hidden)
        self.attn_norm = nn.LayerNorm(c.hidden, eps=1e-12)
        self.inter = nn.Linear(c.hidden, c.intermediate)
        self.out = nn.Linear(c.intermediate, c.hidden)
        self.out_norm = nn.LayerNorm(c.hidden, eps=1e-12)
        self.drop = nn.Dropout(c.dropout)
        self.attn_drop = nn.Dropout(c.attn_dropout)

    def forward(self, x, bias):
        b, s, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        ctx = torch.matmul(self.attn_drop(scores.softmax(-1)), v).transpose(1, 2).reshape(b, s, h)
        x = self.attn_norm(x + self.drop(self.attn_out(ctx)))
        return self.out_norm(x + self.drop(self.out(F.gelu(self.inter(x)))))


class TinyBert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word = nn.Embedding(c.vocab_size, c.hidden, padding_idx=0)
        self.position = nn.Embedding(MAX_POSITIONS, c.hidden)
        self.token_type = nn.Embedding(2, c.hidden)
        self.emb_norm = nn.LayerNorm(c.hidden, eps=1e-12)
        self.drop = nn.Dropout(c.dropout)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))
        self.pooling = c.pooling
        self.pooler = nn.Linear(c.hidden, c.hidden)
        self.classifier = nn.Linear(c.hidden, 2)
        self.apply(self._init)
        self.vocab_size = c.vocab_size
        self.ngram_orders = c.ngram_orders
        self.ngram_buckets = c.ngram_buckets
        if c.ngram_orders:
            # one polarity weight per unigram (ids 0..V-1), then one hashed bucket
            # range per higher order; zero-initialised (nb_ngram_init fills it)
            rows = (c.vocab_size if 1 in c.ngram_orders else 0) + c.ngram_buckets * sum(1 for n in c.ngram_orders if n > 1)
            self.ngram = nn.Embedding(rows, 1)
            nn.init.zeros_(self.ngram.weight)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits = self.encoder_logits(input_ids, attention_mask, token_type_ids)
        if self.ngram_orders:
            logits = logits + ngram_logits(self.ngram.weight, input_ids, attention_mask, self.ngram_orders, self.vocab_size, self.ngram_buckets)
        return logits

    def encoder_logits(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        x = self.drop(self.emb_norm(self.word(input_ids) + self.position(pos) + self.token_type(token_type_ids)))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        if self.pooling == "cls":
            first = x[:, 0]
        else:
            # masked mean over tokens (tried as an alternative to [CLS]; see README)
            m = attention_mask.unsqueeze(-1).to(x.dtype)
            first = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        pooled = torch.tanh(self.pooler(first))
        return self.classifier(self.drop(pooled))


class Ensemble(nn.Module):
    """K encoders' logits averaged, plus one n-gram head. Each member trains
    with its own n-gram table; as the head is linear in its table, the mean of
    the members' full logits equals the mean of their encoder logits plus the
    head on the mean table, so one table ships instead of K."""

    def __init__(self, members, c):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.vocab_size, self.ngram_orders, self.ngram_buckets = c.vocab_size, c.ngram_orders, c.ngram_buckets
        if c.ngram_orders:
            self.ngram = nn.Embedding(members[0].ngram.weight.shape[0], 1)
            with torch.no_grad():
                self.ngram.weight.copy_(torch.stack([m.ngram.weight for m in members]).mean(0))
        for m in members:
            m.ngram_orders = ()  # the members' own tables are not used (nor exported: unused initialisers are dropped)

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits = torch.stack([m.encoder_logits(input_ids, attention_mask, token_type_ids) for m in self.members]).mean(0)
        if self.ngram_orders:
            logits = logits + ngram_logits(self.ngram.weight, input_ids, attention_mask, self.ngram_orders, self.vocab_size, self.ngram_buckets)
        return logits


CLS_ID, SEP_ID = 2, 3


def ngram_rows(input_ids, attention_mask, orders, vocab_size, buckets):
    """Per order, the table row of each n-gram starting at each position and
    whether it counts (all its tokens real content: not padding, [CLS] or [SEP]).

    Built from ordinary int64 ops (Mul, Add, Mod, Slice) so torch.onnx.export
    writes them as such. n-gram ids stay exact before the modulo: V**3 with
    V = 13,486 is 2.5e12, far below int64's 9.2e18."""
    content = (attention_mask != 0) & (input_ids != CLS_ID) & (input_ids != SEP_ID)
    out = []
    offset = 0
    for n in orders:
        if n == 1:
            out.append((input_ids, content))
            offset += vocab_size
            continue
        end = lambda k: input_ids.shape[1] - (n - 1) + k
        h = input_ids[:, 0:end(0)]
        valid = content[:, 0:end(0)]
        for k in range(1, n):
            h = h * vocab_size + input_ids[:, k:end(k)]
            valid = valid & content[:, k:end(k)]
        out.append((torch.remainder(h, buckets) + offset, valid))
        offset += buckets
    return out


def ngram_logits(table, input_ids, attention_mask, orders, vocab_size, buckets):
    """fastText/NBSVM-style side head: the summed weights of a text's n-grams
    are a log-odds of POSITIVE, split evenly between the two logits."""
    score = 0
    for rows, valid in ngram_rows(input_ids, attention_mask, orders, vocab_size, buckets):
        w = F.embedding(rows, table).squeeze(-1)
        score = score + (w * valid.to(w.dtype)).sum(1)
    return score.unsqueeze(-1) * torch.tensor([-0.5, 0.5])


def nb_ngram_init(model, rows, scale, alpha=1.0):
    """NBSVM-style start for the n-gram head: each row's naive-Bayes
    log-count ratio (presence per phrase, add-alpha smoothed), counted on the
    training labels only, times `scale`. Rare n-grams keep this smoothed
    polarity; training then adjusts the frequent ones jointly with the encoder."""
    v = model.ngram.weight.shape[0]
    pos = np.full(v, alpha)
    neg = np.full(v, alpha)
    for i in range(0, len(rows), 1024):
        chunk = rows[i:i + 1024]
        n = max(len(r["ids"]) for r in chunk)
        x = np.zeros((len(chunk), n), dtype=np.int64)
        m = np.zeros_like(x)
        for j, r in enumerate(chunk):
            x[j, :len(r["ids"])] = r["ids"]
            m[j, :len(r["ids"])] = 1
        y = np.array([r["label"] for r in chunk])
        for ids, valid in ngram_rows(torch.from_numpy(x), torch.from_numpy(m), model.ngram_orders, model.vocab_size, model.ngram_buckets):
            ids, valid = ids.numpy(), valid.numpy()
            for j in range(len(chunk)):
                u = np.unique(ids[j][valid[j]])
                (pos if y[j] == 1 else neg)[u] += 1
    ratio = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
    with torch.no_grad():
        model.ngram.weight[:, 0] = torch.from_numpy(ratio * scale).float()
    print(f"n-gram head: {v:,} rows, NB init x{scale}, {int(((pos + neg) > 2 * alpha).sum()):,} rows seen", flush=True)


def holdout_split(rows, n, min_len, seed, k=5):
    """Splits train into (fit, held-out) for choosing settings without dev.
    SST-2 train holds every parse-tree phrase of its sentences, so a random
    held-out phrase has its sub- and super-phrases in train. Held-out rows are
    long phrases; every training row that is a sub-span of one or shares a
    k-gram with one is dropped from the fit set."""
    rng = np.random.RandomState(seed)
    cand = [i for i, r in enumerate(rows) if len(r["ids"]) - 2 >= min_len]
    held = set(rng.choice(cand, n, replace=False).tolist())
    spans, grams = set(), set()
    for i in held:
        t = rows[i]["ids"][1:-1]
        spans.update(tuple(t[a:b]) for a in range(len(t)) for b in range(a + 1, len(t) + 1))
        grams.update(tuple(t[a:a + k]) for a in range(len(t) - k + 1))

    def leaks(r):
        t = r["ids"][1:-1]
        return tuple(t) in spans or any(tuple(t[a:a + k]) in grams for a in range(len(t) - k + 1))

    fit = [r for i, r in enumerate(rows) if i not in held and not leaks(r)]
    return fit, [rows[i] for i in sorted(held)]


def nb_init(model, rows, scale):
    """Puts each token's naive-Bayes log-count ratio, counted on the training
    labels (add-one smoothed), into column 0 of its embedding: training starts
    from the lexical polarity a bag-of-words model would learn, so rare words
    carry a smoothed signal instead of random noise. Uses only train.tsv."""
    v = model.word.weight.shape[0]
    pos = np.ones(v)
    neg = np.ones(v)
    for r in rows:
        ids = np.unique(np.array(r["ids"][1:-1], dtype=np.int64))
        (pos if r["label"] == 1 else neg)[ids] += 1
    ratio = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
    ratio[:5] = 0.0  # [PAD] [UNK] [CLS] [SEP] [MASK]
    with torch.no_grad():
        model.word.weight[:, 0] = torch.from_numpy(ratio * scale).float()


def nb_bigram_teacher(rows):
    """Bigram naive Bayes (add-one) over the training phrases, as a teacher:
    its smoothed word-and-pair polarities generalise better than what the
    small encoder memorises from 67k short phrases. Returns each training row's
    P(positive), temperature-scaled to fit the training labels."""
    from collections import Counter

    def feats(ids):
        t = ids[1:-1]
        return set(t) | set(zip(t, t[1:]))

    pos, neg = Counter(), Counter()
    n_pos = n_neg = 0
    for r in rows:
        if r["label"] == 1:
            pos.update(feats(r["ids"]))
            n_pos += 1
        else:
            neg.update(feats(r["ids"]))
            n_neg += 1
    vocab = len(set(pos) | set(neg))
    sp, sn = sum(pos.values()) + vocab, sum(neg.values()) + vocab
    prior = math.log(n_pos / n_neg)
    score = np.array(
        [prior + sum(math.log((pos[f] + 1) / sp) - math.log((neg[f] + 1) / sn) for f in feats(r["ids"])) for r in rows]
    )
    y = np.array([r["label"] for r in rows])
    # temperature by a grid search on the training labels' log-loss (no dev involved)
    best = None
    for t in np.arange(1.0, 20.0, 0.25):
        p = 1 / (1 + np.exp(-score / t))
        ll = -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))
        if best is None or ll < best[0]:
            best = (ll, t)
    p = 1 / (1 + np.exp(-score / best[1]))
    print(f"teacher: bigram NB, temperature {best[1]:.2f}, train acc {np.mean((p > 0.5) == y):.4f}", flush=True)
    return p


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def batches(rows, size, rng, shuffle):
    """Length-bucketed batches (little padding); order shuffled per epoch."""
    idx = list(range(len(rows)))
    if shuffle:
        rng.shuffle(idx)
        # sort within chunks of 50 batches so lengths are similar but order stays random
        chunk = size * 50
        idx = [i for c in range(0, len(idx), chunk) for i in sorted(idx[c:c + chunk], key=lambda i: len(rows[i]["ids"]))]
    out = [idx[i:i + size] for i in range(0, len(idx), size)]
    if shuffle:
        rng.shuffle(out)
    return out


def collate(rows, ids, mask_id=None, word_dropout=0.0, rng=None):
    n = max(len(rows[i]["ids"]) for i in ids)
    x = np.zeros((len(ids), n), dtype=np.int64)
    m = np.zeros((len(ids), n), dtype=np.int64)
    for r, i in enumerate(ids):
        t = rows[i]["ids"]
        x[r, :len(t)] = t
        m[r, :len(t)] = 1
    if word_dropout > 0:
        # replace content tokens (not [CLS]/[SEP]/padding) with [UNK] at random
        content = (m == 1) & (x > 4)
        drop = rng.random_sample(x.shape) < word_dropout
        x[content & drop] = mask_id
    y = np.array([rows[i]["label"] for i in ids], dtype=np.int64)
    return torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(y)


def accuracy(model, rows):
    model.eval()
    correct = 0
    with torch.no_grad():
        for ids in batches(rows, 256, None, False):
            x, m, y = collate(rows, ids)
            correct += (model(x, m, torch.zeros_like(x)).argmax(-1) == y).sum().item()
    model.train()
    return correct / len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="training/out")
    ap.add_argument("--out", default="training/out/bundle")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=256)
    ap.add_argument("--pooling", choices=["mean", "cls"], default="cls")
    ap.add_argument("--decay-embeddings", type=int, default=1, help="1: weight decay on the embedding tables too")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--word-dropout", type=float, default=0.2)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--average-last", type=int, default=2, help="average the weights at the end of the last N epochs")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--distill", type=float, default=0.0, help="weight of the naive-Bayes teacher's soft targets in the loss")
    ap.add_argument("--freeze-embeddings", type=int, default=0, help="1: keep word embeddings at their initial values")
    ap.add_argument("--nb-init", type=float, default=0.0, help="scale of the naive-Bayes polarity put in embedding column 0 (0: off)")
    ap.add_argument("--ngram-orders", default="1,2", help="n-gram side head orders, e.g. 1,2,3 (empty: no head)")
    ap.add_argument("--ngram-buckets", type=int, default=200003, help="hashed rows per order above 1")
    ap.add_argument("--ngram-nb", type=float, default=0.1, help="scale of the naive-Bayes log-count ratios the n-gram table starts from")
    ap.add_argument("--ngram-lr", type=float, default=0.5, help="the n-gram table's learning rate, as a multiple of --lr")
    ap.add_argument("--ngram-decay", type=float, default=0.0, help="weight decay on the n-gram table")
    ap.add_argument("--save-state", default="", help="also save the averaged torch weights here (for analysis)")
    ap.add_argument("--holdout", type=int, default=0, help="hold out this many long train phrases (and drop their overlaps) to compare settings without dev")
    ap.add_argument("--extra-train", default="", help="jsonl of more labelled rows, added to the fit set after the held-out split")
    ap.add_argument("--encoders", type=int, default=3, help="train this many encoders (seeds seed, seed+1, ...) and average their logits in one graph")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    with open(os.path.join(args.out, "tokenizer.json")) as f:
        vocab = json.load(f)["model"]["vocab"]
    unk_id = vocab["[UNK]"]
    train = read_jsonl(os.path.join(args.data, "train.jsonl"))
    dev = read_jsonl(os.path.join(args.data, "dev.jsonl"))
    held = []
    if args.holdout:
        train, held = holdout_split(train, args.holdout, 18, args.seed)
        print(f"holdout: {len(held)} phrases held out, {len(train)} left to fit", flush=True)
    if args.extra_train:
        extra = read_jsonl(args.extra_train)
        train = train + extra
        print(f"extra training rows: {len(extra)} from {args.extra_train}", flush=True)
    orders = tuple(int(n) for n in args.ngram_orders.split(",") if n)
    c = Config(len(vocab), args.hidden, args.layers, args.heads, args.intermediate, args.dropout, args.dropout, args.pooling, orders, args.ngram_buckets)
    c.encoders = args.encoders
    members = []
    for k in range(args.encoders):
        if args.encoders > 1:
            print(f"encoder {k + 1}/{args.encoders}, seed {args.seed + k}", flush=True)
        members.append(train_one(args, c, args.seed + k, train, held, dev, unk_id))
    model = members[0] if args.encoders == 1 else Ensemble(members, c)
    if args.encoders > 1:
        if held:
            print(f"ensemble of {args.encoders}: held-out acc {accuracy(model, held):.4f}", flush=True)
        print(f"ensemble of {args.encoders}: dev acc {accuracy(model, dev):.4f}", flush=True)
    model.eval()
    if args.save_state:
        torch.save(model.state_dict(), args.save_state)
    export(model, c, args.out)
    write_reference(model, dev, os.path.join(args.data, "reference-logits.json"))


def write_reference(model, rows, path, n=64):
    """Torch's logits for the first n dev rows as one padded batch, for
    check-onnx.mjs: the ONNX graph (hashing included) must give the same."""
    x, m, _ = collate(rows, list(range(min(n, len(rows)))))
    with torch.no_grad():
        logits = model(x, m, torch.zeros_like(x))
    with open(path, "w") as f:
        json.dump({"input_ids": x.tolist(), "attention_mask": m.tolist(), "logits": logits.tolist()}, f)


def train_one(args, c, seed, train, held, dev, unk_id):
    """Trains one encoder (with its n-gram head) and returns it with the
    average of its last epochs' weights loaded."""
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    orders = c.ngram_orders
    model = TinyBert(c)
    if orders and args.ngram_nb:
        nb_ngram_init(model, train, args.ngram_nb)
    if args.nb_init:
        nb_init(model, train, args.nb_init)
    if args.distill > 0:
        for r, p in zip(train, nb_bigram_teacher(train)):
            r["teacher"] = float(p)
    if args.freeze_embeddings:
        # fixed word vectors, so the encoder cannot memorise phrases through them (tried; see README)
        model.word.weight.requires_grad_(False)
    print(f"params: {sum(p.numel() for p in model.parameters()):,}  train {len(train)}  dev {len(dev)}", flush=True)

    emb = ("word.", "position.", "token_type.")
    no_decay = lambda n: n.endswith("bias") or "norm" in n or (not args.decay_embeddings and n.startswith(emb))
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad and not n.startswith("ngram.")]
    groups = [
        {"params": [p for n, p in trainable if not no_decay(n)], "weight_decay": args.weight_decay},
        {"params": [p for n, p in trainable if no_decay(n)], "weight_decay": 0.0},
    ]
    if orders:
        groups.append({"params": [model.ngram.weight], "weight_decay": args.ngram_decay, "lr": args.lr * args.ngram_lr})
    opt = torch.optim.AdamW(groups, lr=args.lr)
    encoder_params = [p for n, p in trainable]
    steps_per_epoch = math.ceil(len(train) / args.batch)
    total = steps_per_epoch * args.epochs
    warmup = steps_per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))
    )

    averaged = None
    kept = 0
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        loss_sum = 0.0
        for step, ids in enumerate(batches(train, args.batch, rng, True)):
            if step % 200 == 0:
                print(f"  epoch {epoch + 1} step {step}/{steps_per_epoch}  {time.time() - start:.0f}s", flush=True)
            x, m, y = collate(train, ids, unk_id, args.word_dropout, rng)
            logits = model(x, m, torch.zeros_like(x))
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            if args.distill > 0:
                t = torch.tensor([train[i]["teacher"] for i in ids], dtype=torch.float32)
                soft = torch.stack([1 - t, t], dim=1)
                loss = (1 - args.distill) * loss - args.distill * (soft * logits.log_softmax(-1)).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            # the encoder only: the n-gram table's large sparse gradient would otherwise shrink its steps
            torch.nn.utils.clip_grad_norm_(encoder_params, 1.0)
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(ids)
        if epoch >= args.epochs - args.average_last:
            state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            averaged = state if averaged is None else {k: averaged[k] + state[k] for k in averaged}
            kept += 1
        monitor = f"held-out acc {accuracy(model, held):.4f}" if held else ""
        print(f"epoch {epoch + 1}: loss {loss_sum / len(train):.4f}  {monitor}  {time.time() - start:.0f}s", flush=True)

    model.load_state_dict({k: v / kept for k, v in averaged.items()})
    if held:
        print(f"average of last {kept} epochs: held-out acc {accuracy(model, held):.4f}", flush=True)
    print(f"average of last {kept} epochs: dev acc {accuracy(model, dev):.4f}", flush=True)
    model.eval()
    return model


def export(model, c, out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c.hf_config(), f, indent=2)
        f.write("\n")
    x = torch.tensor([[2, 100, 200, 3]], dtype=torch.int64)
    torch.onnx.export(
        model,
        (x, torch.ones_like(x), torch.zeros_like(x)),
        os.path.join(out, "onnx", "model.onnx"),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "token_type_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size"},
        },
        opset_version=14,
        do_constant_folding=True,
    )
    print(f"wrote {out}/config.json and {out}/onnx/model.onnx", flush=True)


if __name__ == "__main__":
    main()
