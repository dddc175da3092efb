"""派单助手: a multinomial naive Bayes text classifier over word tokens (no Django).

Trained from past requests (tokens → label, for the category and for the responsible unit); the
model is a plain dict so it can be stored as JSON and retrained at any time. ``predict`` gives the
labels with their posterior probabilities, the confidence the pages show.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "有",
        "和",
        "就",
        "都",
        "也",
        "很",
        "到",
        "要",
        "会",
        "着",
        "没有",
        "这",
        "那",
        "一个",
        "请",
        "能",
        "吗",
        "呢",
        "啊",
        "吧",
        "把",
        "被",
        "给",
        "让",
        "对",
        "从",
        "向",
        "还",
        "又",
        "已经",
        "一直",
        "现在",
        "今天",
        "昨天",
        "好",
        "多",
        "不",
    ]
)


def clean(tokens: Iterable[str]) -> list[str]:
    """Drop stop words, punctuation and digits-only tokens."""
    out = []
    for t in tokens:
        t = t.strip()
        if not t or t in STOPWORDS or t.isdigit() or not any(ch.isalnum() for ch in t):
            continue
        out.append(t)
    return out


def train(samples: Sequence[tuple[Sequence[str], str]], *, alpha: float = 0.5) -> dict[str, Any]:
    """A model from (tokens, label) pairs."""
    docs: Counter[str] = Counter()
    words: dict[str, Counter[str]] = {}
    vocab: set[str] = set()
    for tokens, label in samples:
        docs[label] += 1
        c = words.setdefault(label, Counter())
        for t in tokens:
            c[t] += 1
            vocab.add(t)
    return {
        "alpha": alpha,
        "n": sum(docs.values()),
        "docs": dict(docs),
        "words": {label: dict(c) for label, c in words.items()},
        "totals": {label: sum(c.values()) for label, c in words.items()},
        "vocab": len(vocab),
    }


def predict(model: dict[str, Any], tokens: Sequence[str], *, top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` labels with posterior probabilities (they sum to 1 over all labels)."""
    if not model or not model.get("n"):
        return []
    alpha, v, n = model["alpha"], max(1, model["vocab"]), model["n"]
    scores: dict[str, float] = {}
    for label, d in model["docs"].items():
        counts, total = model["words"].get(label, {}), model["totals"].get(label, 0)
        s = math.log(d / n)
        denom = math.log(total + alpha * v)
        for t in tokens:
            s += math.log(counts.get(t, 0) + alpha) - denom
        scores[label] = s
    best = max(scores.values())
    exp = {k: math.exp(s - best) for k, s in scores.items()}
    z = sum(exp.values())
    ranked = sorted(((k, e / z) for k, e in exp.items()), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:top]
