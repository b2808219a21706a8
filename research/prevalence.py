"""Prevalence of themes or topics by document metadata, with intervals that respect clustering.

Paragraphs of one report are not independent draws: a report that dwells on funding gives
many funding paragraphs at once. So intervals come from a cluster bootstrap over reports (the
unit a metadata row describes), and the regression of prevalence on covariates is a GEE with
reports as clusters (statsmodels), in the spirit of stm's ``estimateEffect``. A group with a
single report has no between-report variation to resample; its interval is taken over that
report's paragraphs and labelled so (``interval: paragraphs``), never passed off as the other.

:func:`prevalence_variants` gives the table over all paragraphs and, on request, the same
table without the paragraphs flagged ``reused`` (research/corpus/reuse.py defines which).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95
TABLE_COLUMNS = ("group", "outcome", "share", "low", "high", "paragraphs", "reports", "interval")


def _bootstrap(counts: np.ndarray, sizes: np.ndarray, rng: np.random.Generator,
               resamples: int) -> np.ndarray:
    """Shares (resamples x outcomes) from resampling the rows (clusters or paragraphs)."""
    picks = rng.integers(0, len(sizes), size=(resamples, len(sizes)))
    return counts[picks].sum(axis=1) / sizes[picks].sum(axis=1, keepdims=True)


def prevalence_table(frame: pd.DataFrame, outcomes: Sequence[str], by: str | None,
                     cluster: str = "cluster", resamples: int = RESAMPLES,
                     seed: int = SEED) -> pd.DataFrame:
    """Share of paragraphs with each outcome (0/1 columns) per group of ``by`` (all paragraphs
    when None), with a 95% cluster-bootstrap interval.

    Columns: group, outcome, share, low, high, paragraphs, reports, interval ('reports' or
    'paragraphs'). Paragraphs with no value in ``by`` form the group '(none)'.
    """
    outcomes = list(outcomes)
    rng = np.random.default_rng(seed)
    groups = (frame[by].astype(object).where(frame[by].notna(), "(none)") if by
              else pd.Series("all", index=frame.index))
    tail = (1 - LEVEL) / 2
    rows = []
    for group, part in frame.groupby(groups, sort=True):
        per_cluster = part.groupby(cluster)[outcomes].agg(["sum", "count"])
        counts = per_cluster.xs("sum", axis=1, level=1).to_numpy(float)
        sizes = per_cluster.xs("count", axis=1, level=1).iloc[:, 0].to_numpy(float)
        if len(sizes) >= 2:
            draws, kind = _bootstrap(counts, sizes, rng, resamples), "reports"
        else:
            values = part[outcomes].to_numpy(float)
            draws = _bootstrap(values, np.ones(len(values)), rng, resamples)
            kind = "paragraphs"
        shares = counts.sum(axis=0) / sizes.sum()
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        for k, outcome in enumerate(outcomes):
            rows.append({"group": group, "outcome": outcome, "share": shares[k],
                         "low": low[k], "high": high[k], "paragraphs": int(sizes.sum()),
                         "reports": len(sizes), "interval": kind})
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


@dataclass(frozen=True)
class Variant:
    """One prevalence table and the paragraphs it is over: ``label`` says which (for titles),
    ``suffix`` tells its files apart, ``left_out`` counts the paragraphs it leaves out."""

    label: str
    suffix: str
    frame: pd.DataFrame
    shares: pd.DataFrame
    left_out: int = 0


def prevalence_variants(frame: pd.DataFrame, outcomes: Sequence[str], by: str | None,
                        without_reused: bool = False) -> list[Variant]:
    """The table over all paragraphs; with ``without_reused`` also the table without the
    paragraphs whose boolean ``reused`` column is true (groups left with no paragraph are not
    in it). Same bootstrap seed for both, so they differ only by the paragraphs left out."""
    variants = [Variant("all paragraphs", "", frame, prevalence_table(frame, outcomes, by))]
    if without_reused:
        kept = frame[~frame["reused"].astype(bool)]
        variants.append(Variant("without reused text", "-without-reused", kept,
                                prevalence_table(kept, outcomes, by), len(frame) - len(kept)))
    return variants


def regression_table(frame: pd.DataFrame, outcomes: Sequence[str], covariates: Sequence[str],
                     cluster: str = "cluster") -> pd.DataFrame:
    """Log-odds of each outcome on the covariates: a binomial GEE with exchangeable
    correlation within reports and robust standard errors.

    Text covariates are treated as categories (first level as reference). Columns: outcome,
    term, coef, se, low, high, p, reports, note (why an outcome could not be fitted).
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    data = frame.dropna(subset=list(covariates))
    design = pd.get_dummies(data[list(covariates)], drop_first=True, dtype=float)
    design = sm.add_constant(design, has_constant="add")
    # A category seen in one report only: its robust standard error has nothing to vary over.
    thin = {term for term in design.columns if term != "const" and set(design[term]) <= {0, 1}
            and data.loc[design[term] == 1, cluster].nunique() < 2}
    dummies = [t for t in design.columns if t != "const" and set(design[t]) <= {0, 1}]
    if dummies and data.loc[design[dummies].sum(axis=1) == 0, cluster].nunique() < 2:
        thin.add("const")  # the reference category is one report
    rows = []
    for outcome in outcomes:
        y = data[outcome].astype(float)
        base = {"outcome": outcome, "reports": int(data[cluster].nunique())}
        if y.nunique() < 2:
            rows.append({**base, "term": "", "note": "no variation in the outcome"})
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("error", PerfectSeparationWarning)
                warnings.simplefilter("always", ConvergenceWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                model = sm.GEE(y, design, groups=data[cluster], family=sm.families.Binomial(),
                               cov_struct=sm.cov_struct.Exchangeable())
                fit = model.fit()
                ci = fit.conf_int(alpha=1 - LEVEL)
        except (PerfectSeparationWarning, ValueError, np.linalg.LinAlgError) as exc:
            rows.append({**base, "term": "", "note": f"not estimable ({exc.__class__.__name__})"})
            continue
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        for term in fit.params.index:
            note = ("one report in this category (or the reference): no standard error"
                    if term in thin
                    else "" if converged else "did not converge")
            unreliable = term in thin
            rows.append({**base, "term": term, "coef": fit.params[term],
                         "se": np.nan if unreliable else fit.bse[term],
                         "low": np.nan if unreliable else ci.loc[term, 0],
                         "high": np.nan if unreliable else ci.loc[term, 1],
                         "p": np.nan if unreliable else fit.pvalues[term], "note": note})
    return pd.DataFrame(rows)
