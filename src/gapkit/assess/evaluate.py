"""Measure plan-evidence suggestions against a labelled set: coverage precision/recall and weighted kappa."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, precision_score, recall_score

from gapkit.assess.evidence import evidence_for_files
from gapkit.catalogue.frameworks import Catalogue


def evaluate(labels_dir: Path, catalogue: Catalogue) -> tuple[dict[str, float], pd.DataFrame]:
    """labels_dir holds labels.csv (plan, framework, requirement_id, level) and plans/."""
    labels_dir = Path(labels_dir)
    labels = pd.read_csv(labels_dir / "labels.csv", dtype={"level": int})
    frameworks = sorted(labels["framework"].unique())
    frames = []
    for plan, group in labels.groupby("plan"):
        suggestions, _ = evidence_for_files([labels_dir / "plans" / plan], catalogue, frameworks)
        merged = group.merge(suggestions[["framework", "requirement_id", "level", "confidence", "similarity", "rationale", "evidence_refs"]],
                             on=["framework", "requirement_id"], suffixes=("_label", "_suggested"))
        frames.append(merged)
    table = pd.concat(frames, ignore_index=True)
    truth, guess = table["level_label"].astype(int), table["level_suggested"].astype(int)
    metrics = {
        "pairs": int(len(table)),
        "coverage_precision": float(precision_score(truth > 0, guess > 0, zero_division=0)),
        "coverage_recall": float(recall_score(truth > 0, guess > 0, zero_division=0)),
        "weighted_kappa": float(cohen_kappa_score(truth, guess, weights="quadratic")),
        "exact_agreement": float((truth == guess).mean()),
    }
    return metrics, table
