"""The verdict on real fits of the seed corpus: coherence counts that match gensim, intervals
that separate a real model from random words and not a model from itself, flagged fits left out
of the ranking."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from research.metrics.coherence import CoherenceScorer
from research.metrics.diversity import topic_diversity
from research.metrics.intervals import bootstrap_coherence, welch_interval
from research.metrics.resampled_coherence import ResampledCoherence
from research.metrics.stability import stability
from research.config import VerdictConfig
from research.metrics.verdict import verdict
from research.topics.base import TopicResult
from tests.topic_fits import lda_fit, random_word_fit, token_lists

FAST = VerdictConfig(n_resamples=200, resample_seeds=True)


_COHERENCE: dict[tuple[tuple[str, ...], ...], dict[str, float]] = {}


def coherence(result: TopicResult) -> dict[str, float]:
    """gensim's NPMI and C_V of a fit, as a run scores it (kept: each costs a second)."""
    key = tuple(tuple(t.words) for t in result.topics)
    if key not in _COHERENCE:
        scorer = CoherenceScorer(token_lists())
        _COHERENCE[key] = {"npmi": scorer.npmi(result.topics), "c_v": scorer.c_v(result.topics)}
    return _COHERENCE[key]


def metric_rows(results: list[TopicResult], flagged: frozenset[int] = frozenset()
                ) -> list[dict[str, Any]]:
    """metrics.json rows as a run writes them, with ``flags`` on the seeds in ``flagged``."""
    shared = stability(results)
    return [{"name": r.name, "kind": r.kind, "seed": r.seed, "n_topics": len(r.topics),
             **coherence(r), "diversity": topic_diversity(r.topics, 10), **shared,
             "flags": ["collapsed"] if r.seed in flagged else []} for r in results]


def lda(seeds: tuple[int, ...] = (1, 2, 3)) -> list[TopicResult]:
    return [lda_fit(s) for s in seeds]


def as_bertopic(results: list[TopicResult], name: str = "bertopic-copy") -> list[TopicResult]:
    """The same fits under the other kind's name: a model compared with itself."""
    return [replace(r, kind="bertopic", name=name) for r in results]


def entry(entries: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    return next(e for e in entries if e["metric"] == metric)


@pytest.mark.parametrize("measure", ["c_npmi", "c_v"])
def test_window_counts_reproduce_gensim_on_the_corpus_and_on_a_resample(measure: str) -> None:
    fits = [lda_fit(1), random_word_fit(1)]
    tokens = token_lists()
    counts = ResampledCoherence(tokens, [f.topics for f in fits], measure)
    scorer = CoherenceScorer(tokens)
    assert counts.scores() == pytest.approx([scorer.score(f.topics, measure) for f in fits],
                                            abs=1e-12)
    draw = np.random.default_rng(7).integers(0, counts.n_paragraphs, counts.n_paragraphs)
    resampled = CoherenceScorer([counts.docs[i] for i in draw])
    weights = np.bincount(draw, minlength=counts.n_paragraphs)
    assert counts.scores(weights) == pytest.approx(
        [resampled.score(f.topics, measure) for f in fits], abs=1e-12)


def test_a_model_against_itself_has_a_zero_width_interval_at_zero() -> None:
    topics = [lda_fit(1).topics]
    interval = bootstrap_coherence(topics, topics, token_lists(), "c_npmi", n_resamples=200)
    assert (interval.difference, interval.low, interval.high) == (0.0, 0.0, 0.0)


def test_a_model_against_itself_is_indistinguishable_on_every_metric() -> None:
    fits = lda() + as_bertopic(lda())
    entries = verdict(metric_rows(fits), fits, token_lists(), config=FAST)
    assert {e["metric"] for e in entries} >= {"npmi", "c_v", "diversity", "stability_words",
                                              "stability_ari"}
    for e in entries:
        assert e["difference"] == pytest.approx(0.0, abs=1e-12)
        assert e["low"] <= 0 <= e["high"], e
        assert e["better"] == "indistinguishable"
        assert "indistinguishable" in e["sentence"]
    npmi_values = [r["npmi"] for r in metric_rows(lda())]
    width = entry(entries, "npmi")["high"] - entry(entries, "npmi")["low"]
    assert width < 2 * (max(npmi_values) - min(npmi_values))  # seeds redrawn on both sides


def test_a_real_model_beats_random_words_on_npmi_with_an_interval_above_zero() -> None:
    fits = lda() + [random_word_fit(s) for s in (1, 2, 3)]
    entries = verdict(metric_rows(fits), fits, token_lists(), config=FAST, metrics=["npmi"])
    npmi = entry(entries, "npmi")
    rows = metric_rows(fits)
    expected = (statistics.mean(r["npmi"] for r in rows if r["kind"] == "lda")
                - statistics.mean(r["npmi"] for r in rows if r["kind"] == "bertopic"))
    assert npmi["difference"] == pytest.approx(expected, abs=1e-12)
    assert 0 < npmi["low"] < npmi["difference"] < npmi["high"]
    assert npmi["better"] == "lda"
    assert npmi["sentence"].startswith("NPMI: LDA higher by ")
    assert "paragraphs and seeds" in npmi["method"]


def test_flagged_fits_are_left_out_and_counted() -> None:
    fits = lda() + as_bertopic(lda())
    rows = metric_rows(lda()) + metric_rows(as_bertopic(lda()), flagged=frozenset({1, 2, 3}))
    entries = verdict(rows, fits, token_lists(), config=FAST)
    for e in entries:
        assert e["better"] is None and e["difference"] is None
        assert e["sentence"].endswith("cannot compare: every BERTopic fit is flagged.")
        assert e["n_fits_flagged"] == 3
    kept = verdict(rows, fits, token_lists(), metrics=["npmi", "diversity", "stability_ari"],
                   config=VerdictConfig(n_resamples=200, exclude_flagged=False))
    assert all(e["difference"] is not None for e in kept)


def test_flagged_fits_do_not_pick_the_best_setting() -> None:
    """Two LDA settings; once the better one's fits are flagged, the other one is compared."""
    k10, k5 = lda(), [lda_fit(s, 5, "lda-k5") for s in (1, 2, 3)]
    bert = as_bertopic(lda())
    rows = metric_rows(k10) + metric_rows(k5) + metric_rows(bert)
    mean = {name: statistics.mean(r["diversity"] for r in rows if r["name"] == name)
            for name in ("lda-tomotopy", "lda-k5")}
    better, worse = sorted(mean, key=mean.get, reverse=True)

    def chosen(config: VerdictConfig = FAST) -> str:
        entries = verdict(rows, k10 + k5 + bert, token_lists(), config=config,
                          metrics=["diversity"])
        return entry(entries, "diversity")["settings"]["lda"]["setting"]

    assert chosen() == better
    for row in rows:
        if row["name"] == better:
            row["flags"] = ["collapsed"]
    assert chosen() == worse
    assert chosen(VerdictConfig(n_resamples=200, exclude_flagged=False)) == better


def test_per_seed_metrics_get_a_t_interval_over_seeds() -> None:
    fits = lda() + [random_word_fit(s) for s in (1, 2, 3)]
    rows = metric_rows(fits)
    diversity = entry(verdict(rows, fits, token_lists(), config=FAST, metrics=["diversity"]),
                      "diversity")
    values = {k: [r["diversity"] for r in rows if r["kind"] == k] for k in ("lda", "bertopic")}
    assert diversity["difference"] == pytest.approx(
        statistics.mean(values["lda"]) - statistics.mean(values["bertopic"]))
    assert diversity["method"].startswith("Welch t-interval over seeds (3 vs 3)")
    assert diversity["low"] <= diversity["difference"] <= diversity["high"]
    assert diversity["n_fits_used"] == 6


def test_stability_is_recomputed_over_unflagged_seeds_only() -> None:
    fits = lda((1, 2, 3, 4)) + as_bertopic(lda((1, 2, 3, 4)))
    rows = (metric_rows(lda((1, 2, 3, 4)), flagged=frozenset({4}))
            + metric_rows(as_bertopic(lda((1, 2, 3, 4)))))
    words = entry(verdict(rows, fits, token_lists(), config=FAST, metrics=["stability_words"]),
                  "stability_words")
    assert words["settings"]["lda"]["value"] == pytest.approx(
        stability(lda((1, 2, 3)))["stability_words"])
    assert words["settings"]["bertopic"]["value"] == pytest.approx(
        stability(lda((1, 2, 3, 4)))["stability_words"])
    assert "pairs of seeds (3 vs 6)" in words["method"]


def test_one_seed_a_side_gives_a_difference_without_an_interval() -> None:
    interval = welch_interval([0.8], [0.7, 0.75])
    assert interval.difference == pytest.approx(0.8 - 0.725)
    assert not interval.has_interval and interval.method.startswith("no interval")
    fits = [lda_fit(1), random_word_fit(1)]
    diversity = entry(verdict(metric_rows(fits), fits, token_lists(), config=FAST,
                              metrics=["diversity"]), "diversity")
    assert diversity["better"] is None and diversity["low"] is None
    assert "no interval" in diversity["sentence"]


def test_the_verdict_is_plain_json() -> None:
    fits = lda() + [random_word_fit(s) for s in (1, 2, 3)]
    entries = verdict(metric_rows(fits), fits, token_lists(), config=FAST)
    again = json.loads(json.dumps(entries, allow_nan=False))
    assert again == entries
    for e in again:
        assert {"metric", "better", "difference", "low", "high", "method", "sentence",
                "n_fits_used", "n_fits_flagged"} <= set(e)


def test_rows_alone_fall_back_to_intervals_over_seeds() -> None:
    """Without fits and tokens there is nothing to resample paragraphs from."""
    fits = lda() + [random_word_fit(s) for s in (1, 2, 3)]
    npmi = entry(verdict(metric_rows(fits), config=FAST), "npmi")
    assert npmi["method"].startswith("Welch t-interval over seeds")
    assert npmi["better"] == "lda"


def test_bca_falls_back_to_percentiles_when_undefined() -> None:
    """Topics of random words never co-occur, so BCa's jackknife is flat: the interval comes
    from the percentiles of the same draws, and the method says so."""
    fits = lda() + [random_word_fit(s) for s in (1, 2, 3)]
    npmi = entry(verdict(metric_rows(fits), fits, token_lists(), metrics=["npmi"], config=
                         VerdictConfig(n_resamples=200, bootstrap_method="BCa")), "npmi")
    assert npmi["method"].startswith("percentile bootstrap (BCa undefined here) over paragraphs")
    assert 0 < npmi["low"] < npmi["high"] and npmi["better"] == "lda"


def test_the_default_interval_is_over_paragraphs_and_holds_its_estimate() -> None:
    """Centred: the spread of the paragraph draws around the estimate, for every pair of
    sides (LDA against random words, and LDA at one K against another)."""
    other_k = as_bertopic([lda_fit(s, k=15) for s in (1, 2, 3)], name="lda-15")
    for fits in (lda() + [random_word_fit(s) for s in (1, 2, 3)], lda() + other_k):
        for metric in ("npmi", "c_v"):
            found = entry(verdict(metric_rows(fits), fits, token_lists(), config=VerdictConfig(
                n_resamples=200), metrics=[metric]), metric)
            assert found["method"].startswith("centred bootstrap over paragraphs")
            assert found["low"] < found["difference"] < found["high"]
