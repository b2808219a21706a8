"""Consensus topics over several fits: agreement wins, disagreement shows as stability < 1."""

from __future__ import annotations

import numpy as np
import pytest

from research.topics.consensus import co_assignment, consensus

# 12 paragraphs: three groups of four, as three fits label them
A = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
SAME_RELABELLED = [2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1]
MERGED = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]  # one fit merges the first two groups


def test_co_assignment_counts_shared_topics_and_never_outliers() -> None:
    together = co_assignment([A, [-1] + A[1:]])
    assert together.shape == (12, 12)
    assert together[1, 2] == 1.0 and together[0, 4] == 0.0
    assert together[0, 1] == 0.5  # paragraph 0 is an outlier in the second fit
    assert together[0, 0] == 0.5 and np.allclose(together, together.T)


def test_identical_fits_give_their_partition_with_full_stability() -> None:
    agreed = consensus([A, SAME_RELABELLED, A], min_size=3)
    groups = {tuple(np.flatnonzero(np.asarray(agreed.assignments) == t))
              for t in range(len(agreed.stability))}
    assert groups == {(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)}
    assert agreed.stability == [1.0, 1.0, 1.0]


def test_majority_keeps_groups_one_fit_merged_and_reports_how_often_they_appear() -> None:
    agreed = consensus([A, MERGED, SAME_RELABELLED], min_size=3)
    assert len(agreed.stability) == 3
    first, second, third = (agreed.assignments[i] for i in (0, 4, 8))
    assert len({first, second, third}) == 3
    # the merged fit has no topic matching either half (Jaccard 4/8 is not above 0.5)
    assert agreed.stability[first] == agreed.stability[second] == pytest.approx(2 / 3)
    assert agreed.stability[third] == 1.0
    split = consensus([A, MERGED, MERGED], min_size=3)
    assert split.assignments[0] == split.assignments[4]  # two of three fits merged them
    merged_topic = split.assignments[0]
    assert split.stability[merged_topic] == pytest.approx(2 / 3)


def test_rarely_clustered_paragraphs_and_small_groups_are_outliers() -> None:
    noisy = [list(A) for _ in range(3)]
    for run in noisy[:2]:
        run[11] = -1  # an outlier in two of three fits
    agreed = consensus(noisy, min_size=4)
    assert agreed.assignments[11] == -1
    assert agreed.assignments[8:11] == [-1, -1, -1]  # three left: below min_size
    assert sorted(agreed.assignments[:8]) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_topics_are_numbered_by_size_and_the_result_is_deterministic() -> None:
    runs = [[0] * 6 + [1] * 3 + [-1] * 3, [1] * 6 + [0] * 3 + [-1] * 3]
    agreed = consensus(runs, min_size=2)
    assert agreed.assignments == [0] * 6 + [1] * 3 + [-1] * 3
    assert consensus(runs, min_size=2) == agreed


def test_no_runs_is_an_error() -> None:
    with pytest.raises(ValueError):
        co_assignment([])
