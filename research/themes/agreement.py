"""Agreement between two independent labeling passes, per theme: Cohen's kappa, Krippendorff's
alpha, F1 of the second pass against the first, and the positives of each.

Each theme is a binary decision per paragraph. Kappa and alpha are both left undefined (None)
when neither pass varies at all (every paragraph in or every paragraph out of the theme):
chance agreement is then 1 and nothing can be said.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import cohen_kappa_score, f1_score


def krippendorff_alpha_binary(first: Sequence[bool], second: Sequence[bool]) -> float | None:
    """Krippendorff's alpha for two coders, nominal data, no missing values.

    From the coincidence matrix: every paragraph adds the pairs (a, b) and (b, a), so with N
    paragraphs there are n = 2N pairable values, n1 positives and n0 negatives, and each
    disagreement puts one value in each off-diagonal cell. Then
    alpha = 1 - D_o / D_e = 1 - (n - 1) * disagreements / (n0 * n1).
    """
    if len(first) != len(second):
        raise ValueError("both passes must decide the same paragraphs")
    n = 2 * len(first)
    n1 = sum(map(bool, first)) + sum(map(bool, second))
    n0 = n - n1
    if n0 == 0 or n1 == 0:
        return None
    disagreements = sum(bool(a) != bool(b) for a, b in zip(first, second))
    return 1.0 - (n - 1) * disagreements / (n0 * n1)


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float | None:
    """Cohen's kappa, None when both passes put every paragraph in the same class."""
    values = set(first) | set(second)
    if len(values) < 2:
        return None
    return float(cohen_kappa_score(list(first), list(second)))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def agreement(first: dict[str, list[str]], second: dict[str, list[str]],
              themes: list[str]) -> dict[str, object]:
    """Per-theme kappa, Krippendorff's alpha and F1 (second pass scored against the first) on
    the shared ids."""
    ids = sorted(set(first) & set(second))
    per_theme = {}
    for theme in themes:
        a = [theme in first[i] for i in ids]
        b = [theme in second[i] for i in ids]
        scores = {"positives_first": sum(a), "positives_second": sum(b),
                  "kappa": _rounded(cohen_kappa(a, b)),
                  "alpha": _rounded(krippendorff_alpha_binary(a, b))}
        scores["f1"] = round(float(f1_score(a, b, zero_division=0)), 3)
        per_theme[theme] = scores
    exact = sum(set(first[i]) == set(second[i]) for i in ids)
    return {"paragraphs": len(ids), "exact_match": exact, "per_theme": per_theme}
