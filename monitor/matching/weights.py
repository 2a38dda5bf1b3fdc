"""The fitted models: read from weights.json beside this module (written by `python -m monitor.matching.fit`).

Reading the packaged file is the one read the matching package does, once per `Matcher` build, and only
when the caller passes no models. Without the file the matcher still works on the cue priors and neutral
relatedness weights (`fallback_models`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from monitor.matching.score import RelevanceModel
from monitor.matching.stance import STANCES, LinearModel, default_stance_priors

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True)
class Models:
    """Everything fitted: the stance and relatedness models of headlines (the stance model reads every
    sentence the daemon matches), those of article bodies (the body relatedness model judges items with a
    body of their own; the body stance model and the verdict give such an item its single label), and how
    body sentences are combined with the headline."""

    stance: LinearModel
    relevance: RelevanceModel
    title_weight: float = 2.0
    body_stance: LinearModel | None = None
    body_relevance: RelevanceModel | None = None
    body_item: LinearModel | None = None

    def relevance_for(self, body: bool) -> RelevanceModel:
        """The relatedness model of a headline item or of an item with an article body."""
        return self.body_relevance if body and self.body_relevance is not None else self.relevance


def fallback_models() -> Models:
    """Cue priors only, and a relatedness model that wants a third of the statement's content."""
    stance = LinearModel(STANCES, (0.3, -1.0, 0.0), {}, default_stance_priors())
    relevance = RelevanceModel(-3.0, {"weighted-coverage": 6.0, "anchor-any": 1.0, "keyphrase-any": 1.5},
                               0.5, {})
    return Models(stance, relevance)


def _stance_from_dict(stance: Mapping[str, Any], *, priors: bool = True) -> LinearModel:
    return LinearModel(
        labels=tuple(stance["labels"]),
        bias=tuple(float(b) for b in stance["bias"]),
        weights={k: tuple(float(x) for x in v) for k, v in stance["weights"].items()},
        priors=default_stance_priors() if priors else {},
    )


def _relevance_from_dict(relevance: Mapping[str, Any]) -> RelevanceModel:
    return RelevanceModel(
        bias=float(relevance["bias"]),
        weights={k: float(v) for k, v in relevance["weights"].items()},
        threshold=float(relevance["threshold"]),
        idf={k: float(v) for k, v in relevance["idf"].items()},
        default_idf=float(relevance.get("default_idf", 1.0)),
    )


def models_from_dict(data: Mapping[str, Any]) -> Models:
    """Models from the parsed weights.json structure."""
    return Models(
        stance=_stance_from_dict(data["stance"]),
        relevance=_relevance_from_dict(data["relevance"]),
        title_weight=float(data.get("title_weight", 2.0)),
        body_stance=_stance_from_dict(data["body_stance"]) if "body_stance" in data else None,
        body_relevance=_relevance_from_dict(data["body_relevance"]) if "body_relevance" in data else None,
        body_item=_stance_from_dict(data["body_item"], priors=False) if "body_item" in data else None,
    )


def _stance_to_dict(stance: LinearModel) -> dict[str, Any]:
    return {
        "labels": list(stance.labels),
        "bias": [round(b, 5) for b in stance.bias],
        "weights": {k: [round(x, 5) for x in v] for k, v in sorted(stance.weights.items())},
    }


def _relevance_to_dict(relevance: RelevanceModel) -> dict[str, Any]:
    return {
        "bias": round(relevance.bias, 5),
        "weights": {k: round(v, 5) for k, v in sorted(relevance.weights.items())},
        "threshold": round(relevance.threshold, 4),
        "default_idf": round(relevance.default_idf, 4),
        "idf": {k: round(v, 4) for k, v in sorted(relevance.idf.items())},
    }


def models_to_dict(models: Models, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON structure of `models` (priors are code, not data, and are left out)."""
    data: dict[str, Any] = {
        "stance": _stance_to_dict(models.stance),
        "relevance": _relevance_to_dict(models.relevance),
        "title_weight": models.title_weight,
    }
    if models.body_stance is not None:
        data["body_stance"] = _stance_to_dict(models.body_stance)
    if models.body_relevance is not None:
        data["body_relevance"] = _relevance_to_dict(models.body_relevance)
    if models.body_item is not None:
        data["body_item"] = _stance_to_dict(models.body_item)
    if extra:
        data.update(extra)
    return data


def default_models() -> Models:
    """The packaged weights.json, or the fallback when it is missing."""
    source = resources.files("monitor.matching").joinpath(WEIGHTS_FILE)
    if not source.is_file():
        return fallback_models()
    return models_from_dict(json.loads(source.read_text(encoding="utf-8")))
