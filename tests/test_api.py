"""The notebook API, called as a researcher would: `import research`, then three functions."""

from __future__ import annotations

import shutil
from pathlib import Path

import opencc

import research
from research.runner import load_experiment, run_experiment
from tests.conftest import seed_file
from tests.helpers import tiny_topics_config

STAFFING = "实施乡村教师支持计划，推进城乡教师交流轮岗，补充农村学校教师编制，提高教师待遇。"
FUNDING = "各级政府加大财政投入，落实生均公用经费标准，专项资金向农村薄弱学校倾斜。"


def test_build_corpus_gives_one_row_per_paragraph_and_names_bad_files(tmp_path: Path) -> None:
    shutil.copy(seed_file("002"), tmp_path)
    (tmp_path / "broken.txt").write_bytes(b"")
    frame = research.build_corpus(tmp_path)
    assert list(frame.columns) == ["id", "doc", "title", "section", "position", "text",
                                    "original"]
    assert len(frame) == 69 and frame["id"].is_unique
    assert frame["doc"].unique().tolist() == [seed_file("002").stem]
    assert len(frame.attrs["errors"]) == 1 and "broken.txt" in frame.attrs["errors"][0]
    assert set(frame.attrs["dropped"]["doc"]) == {seed_file("002").stem}


def test_load_model_scores_a_list_of_texts_and_reads_traditional_text_alike() -> None:
    model = research.load_model()
    texts = [STAFFING, FUNDING]
    decided = model.predict(texts)
    assert list(decided.columns) == model.themes and decided.shape == (2, len(model.themes))
    assert decided.loc[0, "staffing"] and decided.loc[1, "funding"]
    assert not decided.loc[0, "funding"]
    traditional = [opencc.OpenCC("s2t").convert(t) for t in texts]
    assert traditional != texts
    assert model.predict_proba(traditional).round(6).equals(model.predict_proba(texts).round(6))


def test_load_run_gives_tables_of_a_real_run(tmp_path: Path) -> None:
    folder = run_experiment(load_experiment(tiny_topics_config(tmp_path)))
    run = research.load_run(folder)
    assert run.manifest.kind == "topics" and run.problems == {}
    assert set(run.metrics["name"]) == {"lda[k=3]", "lda[k=4]"}
    assert run.topics.groupby("setting")["topic"].nunique().to_dict() == {"lda[k=3]": 3,
                                                                          "lda[k=4]": 4}
    assert len(run.assignments) == len(run.corpus) == 69
    assert set(run.assignments.columns) == {"lda[k=3]@1", "lda[k=4]@1"}
    assert run.assignments.index.tolist() == run.corpus["id"].tolist()
