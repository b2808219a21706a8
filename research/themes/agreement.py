"""Agreement between two independent labeling passes: Cohen's kappa and F1 per theme."""

from __future__ import annotations

from sklearn.metrics import cohen_kappa_score, f1_score


def agreement(first: dict[str, list[str]], second: dict[str, list[str]],
              themes: list[str]) -> dict[str, object]:
    """Per-theme kappa and F1 (second pass scored against the first) on the shared ids."""
    ids = sorted(set(first) & set(second))
    per_theme = {}
    for theme in themes:
        a = [theme in first[i] for i in ids]
        b = [theme in second[i] for i in ids]
        per_theme[theme] = {
            "positives_first": sum(a), "positives_second": sum(b),
            "kappa": round(float(cohen_kappa_score(a, b)), 3) if any(a) or any(b) else None,
            "f1": round(float(f1_score(a, b, zero_division=0)), 3),
        }
    exact = sum(set(first[i]) == set(second[i]) for i in ids)
    return {"paragraphs": len(ids), "exact_match": exact, "per_theme": per_theme}
