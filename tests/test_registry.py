"""Model kinds come from one registry, and sweep points are the validated config itself."""

from __future__ import annotations

from typing import get_args

import yaml

from research.config import TopicModelConfig, TopicsExperiment
from research.registry import KINDS
from research.topics_run import expand_sweep
from research.viz.figures_compare import series_name, sweep_figure
from tests.conftest import ROOT


def test_every_config_kind_has_a_registry_entry_and_back() -> None:
    schemas = get_args(get_args(TopicModelConfig)[0])  # Annotated[A | B, …] -> (A, B)
    assert {get_args(s.model_fields["kind"].annotation)[0] for s in schemas} == set(KINDS)


def test_a_sweep_point_is_the_config_with_one_value_per_swept_key() -> None:
    data = yaml.safe_load((ROOT / "configs/full.yaml").read_text(encoding="utf-8"))
    experiment = TopicsExperiment.model_validate(data)
    lda = next(m for m in experiment.models if m.kind == "lda" and isinstance(m.k, list))
    points = expand_sweep(lda)
    assert [p.config.k for p in points] == lda.k
    assert all(p.swept == {"k": p.config.k} and p.params["k"] == p.config.k for p in points)
    assert points[0].name == f"{lda.name}[k={lda.k[0]}]"
    assert points[0].config.model_dump(exclude={"k"}) == lda.model_dump(exclude={"k"})


def test_sweep_lines_come_from_swept_values_not_from_names() -> None:
    rows = [{"name": f"lda[k={k},alpha={a}]", "model": "lda", "swept": {"k": k, "alpha": a},
             "kind": "lda", "params": {"k": k, "alpha": a}, "seed": 1, "npmi": 0.01 * k}
            for k in (5, 10) for a in (0.1, 0.5)]
    assert series_name(rows[0], "k") == "lda[alpha=0.1]"
    figure = sweep_figure(rows, "t")
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    assert sorted(trace.name for trace in lines) == ["lda[alpha=0.1]", "lda[alpha=0.5]"]
    assert all(list(trace.x) == [5, 10] for trace in lines)
    dots = [trace for trace in figure.data if trace.mode == "markers"]  # one per seed
    assert sorted(len(trace.x) for trace in dots) == [2, 2]
