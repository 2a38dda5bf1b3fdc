"""Fit the matcher's weights on labelled pairs, with claim-grouped cross-validation, and write weights.json.

    python -m monitor.matching.fit --cv 5 PAIRS.csv [-o monitor/matching/weights.json] [--oof OOF.csv]

PAIRS.csv has the `claimwatch evaluate` columns (id, claim, title, text) plus `gold` (corroborates, denies,
discusses, unrelated). Pairs are split into folds by claim, so no claim is ever seen in training and
testing at once; in each fold everything is refitted on the training claims only: the content-word weights
(how many claims' items use a word), the relatedness model and its threshold, and the stance model (L2
strength chosen by an inner claim-grouped CV). The out-of-fold predictions are scored and, with --oof,
written in the `claimwatch evaluate` output format. Then the models are refitted on all pairs and written.

Needs the `fit` extra (numpy, scipy). The run-time matcher never imports this module.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from monitor.matching.cues import PRIORS
from monitor.matching.evaluate import item_order, predict_rows
from monitor.matching.matcher import Matcher
from monitor.matching.normalize import fold
from monitor.matching.score import RelevanceModel
from monitor.matching.stance import STANCES, LinearModel, default_stance_priors
from monitor.matching.text import content_stems
from monitor.matching.verdict import claim_cues, item_features
from monitor.matching.weights import Models, fallback_models, models_to_dict

LABELS = (*STANCES, "unrelated")
DEFAULT_OUT = Path(__file__).with_name("weights.json")
MIN_CLAIMS_PER_WORD = 3
L2_GRID = (0.3, 1.0, 3.0)


@dataclass(frozen=True)
class Pair:
    """One labelled row."""

    id: str
    claim: str
    title: str
    text: str
    gold: str


def read_pairs(path: Path) -> list[Pair]:
    """Labelled pairs from a CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [Pair(r["id"], r["claim"], r.get("title") or "", r.get("text") or "", r["gold"].strip())
                for r in csv.DictReader(handle)]


def claim_folds(pairs: Sequence[Pair], k: int, seed: int | None = None) -> list[int]:
    """Fold number of each pair: story groups (claims tied together by a body they share on a related pair)
    dealt round-robin in order of first appearance, or shuffled with `seed`."""
    group = story_groups(pairs)
    order = list(dict.fromkeys(group[p.claim] for p in pairs))
    if seed is not None:
        random.Random(seed).shuffle(order)
    fold_of = {g: i % k for i, g in enumerate(order)}
    return [fold_of[group[p.claim]] for p in pairs]


def story_groups(pairs: Sequence[Pair]) -> dict[str, str]:
    """Each claim's group: claims whose related pairs share an article body tell one story, and are never
    split between training and testing (headline-only pairs: each claim its own group)."""
    parent: dict[str, str] = {p.claim: p.claim for p in pairs}

    def root(claim: str) -> str:
        while parent[claim] != claim:
            parent[claim] = parent[parent[claim]]
            claim = parent[claim]
        return claim

    first_claim: dict[str, str] = {}
    for p in pairs:
        if p.gold == "unrelated" or not p.text:
            continue
        other = first_claim.setdefault(p.text, p.claim)
        parent[root(p.claim)] = root(other)
    return {claim: root(claim) for claim in parent}


def fit_idf(pairs: Sequence[Pair]) -> tuple[dict[str, float], float]:
    """Content-word weights: log-scaled rarity across claims (a word used for many claims tells little)."""
    groups: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        groups[p.claim].update(content_stems(fold(f"{p.title} {p.text}")))
        groups[p.claim].update(content_stems(fold(p.claim)))
    return rarity(groups.values()), 1.0


def rarity(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    """Log-scaled rarity of each word across documents (sets of stems), in [0, 1]; words of one document only
    are left out (they fall back to the default weight)."""
    df: Counter[str] = Counter()
    n = 0
    for stems in documents:
        df.update(set(stems))
        n += 1
    scale = math.log(n + 1)
    return {s: round(math.log((n + 1) / (c + 1)) / scale, 4) for s, c in df.items() if c >= 2}


# -- logistic regression (numpy + scipy), with fixed per-row offsets for the cue priors ------------------

def fit_softmax(x: np.ndarray | sparse.csr_matrix, y: np.ndarray, offsets: np.ndarray, weights: np.ndarray, *,
                l2: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression; returns (coefficients [features x classes], bias [classes])."""
    d = x.shape[1]
    onehot = np.eye(classes)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: d * classes].reshape(d, classes)
        b = theta[d * classes:]
        z = x @ w + b + offsets
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -(weights[:, None] * onehot * log_p).sum() + 0.5 * l2 * (w * w).sum()
        residual = (np.exp(log_p) - onehot) * weights[:, None]
        grad_w = x.T @ residual + l2 * w
        grad_b = residual.sum(axis=0)
        return float(value), np.concatenate([grad_w.ravel(), grad_b])

    result = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B",
                      options={"maxiter": 500})
    theta = result.x
    return theta[: d * classes].reshape(d, classes), theta[d * classes:]


def fit_binary(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Binary logistic regression; returns (coefficients, bias)."""
    w, b = fit_softmax(x, y.astype(int), np.zeros((len(y), 2)), np.ones(len(y)), l2=l2, classes=2)
    return w[:, 1] - w[:, 0], float(b[1] - b[0])


# -- the pieces fitted per fold ------------------------------------------------------------------------------

def views(pairs: Sequence[Pair], models: Models) -> list[Any]:
    """The matcher's view of every pair under `models` (matchers cached per claim; the pairs of one item
    read together)."""
    matchers: dict[str, Matcher] = {}
    result: list[Any] = [None] * len(pairs)
    for index in item_order([(p.title, p.text) for p in pairs]):
        p = pairs[index]
        matcher = matchers.get(p.claim)
        if matcher is None:
            matcher = matchers[p.claim] = Matcher.for_statement(p.claim, models)
        result[index] = matcher.training_view("claim", p.title, p.text)
    return result


def stance_rows(pairs: Sequence[Pair], pair_views: Sequence[Any]
                ) -> tuple[list[dict[str, float]], list[int], list[float], list[str]]:
    """One row per unit of every related pair: features, label index, sample weight, claim."""
    rows, labels, weights, claims = [], [], [], []
    for p, view in zip(pairs, pair_views, strict=True):
        if p.gold not in STANCES or not view.units:
            continue
        total = sum(w for _, w in view.units)
        for features, weight in view.units:
            rows.append(features)
            labels.append(STANCES.index(p.gold))
            weights.append(weight / total)
            claims.append(p.claim)
    return rows, labels, weights, claims


def fit_stance(rows: Sequence[dict[str, float]], labels: Sequence[int], weights: Sequence[float],
               claims: Sequence[str], l2: float) -> LinearModel:
    """The stance model: word features kept only when used for MIN_CLAIMS_PER_WORD claims or more."""
    used: dict[str, set[str]] = defaultdict(set)
    for features, claim in zip(rows, claims, strict=True):
        for name in features:
            used[name].add(claim)
    names = sorted(n for n, c in used.items() if not n.startswith("word:") or len(c) >= MIN_CLAIMS_PER_WORD)
    column = {n: i for i, n in enumerate(names)}
    offsets = np.zeros((len(rows), len(STANCES)))
    priors = default_stance_priors()
    cells: tuple[list[int], list[int], list[float]] = ([], [], [])
    for r, features in enumerate(rows):
        for name, value in features.items():
            if name in column:
                cells[0].append(r)
                cells[1].append(column[name])
                cells[2].append(value)
            if name in priors:
                offsets[r] += np.asarray(priors[name]) * value
    # Most features are absent from most units: a sparse matrix keeps the fit fast on article bodies.
    x = sparse.csr_matrix((cells[2], (cells[0], cells[1])), shape=(len(rows), len(names)))
    coef, bias = fit_softmax(x, np.asarray(labels), offsets, np.asarray(weights), l2=l2, classes=len(STANCES))
    table = {n: tuple(float(v) for v in coef[i]) for n, i in column.items() if np.abs(coef[i]).max() > 1e-4}
    return LinearModel(STANCES, tuple(float(b) for b in bias), table, priors)


def choose_l2(rows: Sequence[dict[str, float]], labels: Sequence[int], weights: Sequence[float],
              claims: Sequence[str], k: int = 4) -> float:
    """The L2 strength with the best inner claim-grouped CV accuracy."""
    order = list(dict.fromkeys(claims))
    fold_of = {c: i % k for i, c in enumerate(order)}
    best, best_score = L2_GRID[0], -1.0
    for l2 in L2_GRID:
        correct = 0.0
        for f in range(k):
            train = [i for i, c in enumerate(claims) if fold_of[c] != f]
            test = [i for i, c in enumerate(claims) if fold_of[c] == f]
            model = fit_stance([rows[i] for i in train], [labels[i] for i in train], [weights[i] for i in train],
                               [claims[i] for i in train], l2)
            for i in test:
                p = model.probabilities(rows[i])
                correct += weights[i] * (max(STANCES, key=lambda s: p[s]) == STANCES[labels[i]])
        if correct > best_score:
            best, best_score = l2, correct
    return best


def fit_relevance(pairs: Sequence[Pair], pair_views: Sequence[Any], idf: dict[str, float]) -> RelevanceModel:
    """The relatedness model and the threshold that maximises training accuracy."""
    names = sorted({n for v in pair_views for n in v.relevance_features})
    x = np.array([[v.relevance_features.get(n, 0.0) for n in names] for v in pair_views])
    y = np.array([p.gold != "unrelated" for p in pairs])
    coef, bias = fit_binary(x, y, 1.0)
    scores = 1 / (1 + np.exp(-(x @ coef + bias)))
    candidate = np.array([v.candidate for v in pair_views])
    best, best_accuracy = 0.5, -1.0
    for threshold in np.arange(0.2, 0.81, 0.02):
        accuracy = float((((scores >= threshold) & candidate) == y).mean())
        if accuracy > best_accuracy:
            best, best_accuracy = float(threshold), accuracy
    return RelevanceModel(bias, {n: float(c) for n, c in zip(names, coef, strict=True)}, best, idf, 1.0)


def fit_models(pairs: Sequence[Pair], body_pairs: Sequence[Pair] = (), *, l2: float | None = None
               ) -> tuple[Models, float]:
    """All models fitted: the headline ones on `pairs`, the body ones on `body_pairs` (items with an article
    body); returns the models and the headline stance model's L2 strength."""
    idf, default = fit_idf(pairs)
    base = fallback_models()
    body_base = None
    if body_pairs:
        body_base = RelevanceModel(base.relevance.bias, base.relevance.weights, base.relevance.threshold,
                                   fit_text_idf(body_pairs), default)
    base = Models(base.stance, RelevanceModel(base.relevance.bias, base.relevance.weights,
                                              base.relevance.threshold, idf, default),
                  base.title_weight, body_relevance=body_base)
    pair_views = views(pairs, base)
    relevance = fit_relevance(pairs, pair_views, idf)
    rows, labels, weights, claims = stance_rows(pairs, pair_views)
    chosen = l2 if l2 is not None else choose_l2(rows, labels, weights, claims)
    stance = fit_stance(rows, labels, weights, claims, chosen)
    models = Models(stance, relevance, base.title_weight)
    if body_base is None:
        return models, chosen
    body_views = views(body_pairs, base)
    body_relevance = fit_relevance(body_pairs, body_views, dict(body_base.idf))
    rows, labels, weights, claims = stance_rows(body_pairs, body_views)
    body_l2 = choose_l2(rows, labels, weights, claims)
    body_stance = fit_stance(rows, labels, weights, claims, body_l2)
    fitted = Models(stance, relevance, base.title_weight, body_stance, body_relevance)
    return Models(stance, relevance, base.title_weight, body_stance, body_relevance,
                  fit_verdict(body_pairs, body_views, fitted)), chosen


def fit_verdict(pairs: Sequence[Pair], pair_views: Sequence[Any], models: Models) -> LinearModel:
    """The body verdict: a linear model over each related body's aggregated passage stances (read by the
    fitted unit models) and its cues."""
    rows, labels = [], []
    stance = models.body_stance or models.stance
    for p, view in zip(pairs, pair_views, strict=True):
        if p.gold not in STANCES or not view.units:
            continue
        rows.append(item_features([stance.probabilities(f) for f, _ in view.units], [w for _, w in view.units],
                                  view.body_cues, claim_cues(fold(p.claim))))
        labels.append(STANCES.index(p.gold))
    names = sorted({n for r in rows for n in r})
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows])
    # Rare stances (denials are one related body in fifteen) weigh more, by the square root of their rarity.
    counts = Counter(labels)
    weights = np.array([(len(labels) / (len(counts) * counts[label])) ** 0.75 for label in labels])
    coef, bias = fit_softmax(x, np.asarray(labels), np.zeros((len(rows), len(STANCES))), weights,
                             l2=1.0, classes=len(STANCES))
    return LinearModel(STANCES, tuple(float(b) for b in bias),
                       {n: tuple(float(v) for v in coef[i]) for i, n in enumerate(names)})


def fit_text_idf(pairs: Sequence[Pair]) -> dict[str, float]:
    """Content-word weights over distinct article bodies: log-scaled rarity (a word most bodies use tells
    little)."""
    return rarity(content_stems(fold(text)) for text in {p.text for p in pairs})


def predict(pairs: Sequence[Pair], models: Models) -> list[tuple[str, float]]:
    """Labels and scores as `claimwatch evaluate` gives them."""
    rows = [{"id": str(i), "claim": p.claim, "title": p.title, "text": p.text} for i, p in enumerate(pairs)]
    return [(label, score) for _, label, score in predict_rows(rows, models)]


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """The figures eval/score.py prints: stance accuracy, per-class P/R/F1, macro-F1, relatedness."""
    related = [i for i, g in enumerate(gold) if g != "unrelated"]
    result: dict[str, Any] = {
        "pairs": len(gold),
        "stance_accuracy": sum(predicted[i] == gold[i] for i in related) / max(1, len(related)),
    }
    f1s = []
    for c in STANCES:
        tp = sum(p == c and g == c for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == c and g != c for g, p in zip(gold, predicted, strict=True))
        fn = sum(p != c and g == c for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[c] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}
        f1s.append(f1)
    result["macro_f1"] = sum(f1s) / len(f1s)
    result["relatedness_accuracy"] = sum((g != "unrelated") == (p != "unrelated")
                                         for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold))
    result["fnc_score"] = fnc_score(gold, predicted)
    return result


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """The FNC-1 weighted score relative to the best possible: 0.25 for related/unrelated right, 0.75 more
    for the right stance of a related pair."""
    score = best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        best += 0.25 if g == "unrelated" else 1.0
        score += 0.25 if (g == "unrelated") == (p == "unrelated") else 0.0
        score += 0.75 if g == p and g != "unrelated" else 0.0
    return score / best if best else 0.0


def cross_validate(pairs: Sequence[Pair], k: int, seed: int | None = None, body_pairs: Sequence[Pair] = ()
                   ) -> tuple[list[dict[str, Any]], list[list[tuple[str, float]]]]:
    """Claim-grouped k-fold CV over the headline pairs and the body pairs at once (each fold's models are
    fitted on the other folds of both): out-of-fold metrics and predictions, one entry per data set."""
    sets = [list(pairs), list(body_pairs)] if body_pairs else [list(pairs)]
    folds = [claim_folds(data, k, seed) for data in sets]
    predictions: list[list[tuple[str, float]]] = [[("unrelated", 0.0)] * len(data) for data in sets]
    chosen = []
    for f in range(k):
        train = [[p for p, g in zip(data, fold, strict=True) if g != f] for data, fold in zip(sets, folds,
                                                                                            strict=True)]
        models, l2 = fit_models(train[0], train[1] if body_pairs else ())
        chosen.append(l2)
        for data, assigned, out in zip(sets, folds, predictions, strict=True):
            test_index = [i for i, g in enumerate(assigned) if g == f]
            for i, prediction in zip(test_index, predict([data[i] for i in test_index], models), strict=True):
                out[i] = prediction
        print(f"fold {f + 1}/{k}: {sum(map(len, train))} training pairs, l2 {l2}", file=sys.stderr)
    figures = []
    for data, out in zip(sets, predictions, strict=True):
        result = metrics([p.gold for p in data], [label for label, _ in out])
        result["folds"] = k
        result["l2_per_fold"] = chosen
        figures.append(result)
    return figures, predictions


def print_figures(figures: dict[str, Any], title: str) -> None:
    """The CV figures, in the layout of eval/score.py."""
    print(f"{title}: claim-grouped {figures['folds']}-fold CV over {figures['pairs']} pairs")
    print(f"stance accuracy (related pairs)  {figures['stance_accuracy']:.4f}")
    print(f"macro-F1 over the three stances  {figures['macro_f1']:.4f}")
    for c in STANCES:
        d = figures[c]
        print(f"  {c:13s} P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f}")
    print(f"relatedness accuracy             {figures['relatedness_accuracy']:.4f}")
    print(f"FNC-1 style score (relative)     {figures['fnc_score']:.4f}")


def write_predictions(path: Path, pairs: Sequence[Pair], predictions: Sequence[tuple[str, float]]) -> None:
    """Out-of-fold predictions in the `claimwatch evaluate` output format."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "label", "score"])
        for p, (label, score) in zip(pairs, predictions, strict=True):
            writer.writerow([p.id, label, score])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=Path, help="headline pairs (the claim against a headline)")
    parser.add_argument("--bodies", type=Path, help="body pairs (the claim against an article body)")
    parser.add_argument("--cv", type=int, default=5, help="number of claim-grouped folds (0: no CV)")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT, help="weights file to write")
    parser.add_argument("--oof", type=Path, help="write out-of-fold predictions of the headline pairs here")
    parser.add_argument("--body-oof", type=Path, help="write out-of-fold predictions of the body pairs here")
    parser.add_argument("--seed", type=int, help="deal claims into folds in a random order (default: as met)")
    parser.add_argument("--no-write", action="store_true", help="report CV figures only")
    args = parser.parse_args(argv)
    csv.field_size_limit(1 << 26)
    pairs = read_pairs(args.pairs)
    body_pairs = read_pairs(args.bodies) if args.bodies else []
    extra: dict[str, Any] = {"fitted_on": args.pairs.name, "pairs": len(pairs)}
    if body_pairs:
        extra.update({"body_fitted_on": args.bodies.name, "body_pairs": len(body_pairs)})
    if args.cv > 1:
        figures, predictions = cross_validate(pairs, args.cv, args.seed, body_pairs)
        for name, result in zip(("headlines", "bodies"), figures, strict=False):
            print_figures(result, name)
        extra["cv"] = {k: v for k, v in figures[0].items() if k != "l2_per_fold"}
        if body_pairs:
            extra["body_cv"] = {k: v for k, v in figures[1].items() if k != "l2_per_fold"}
        for path, data, out in ((args.oof, pairs, predictions[0]),
                                (args.body_oof, body_pairs, predictions[-1] if body_pairs else [])):
            if path:
                write_predictions(path, data, out)
    if not args.no_write:
        models, l2 = fit_models(pairs, body_pairs)
        extra["l2"] = l2
        extra["priors"] = sorted(PRIORS)
        args.out.write_text(json.dumps(models_to_dict(models, extra), indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
