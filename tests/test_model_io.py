"""Model folders are untrusted input: no code runs from them, and model.json must fit the model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from research.errors import InputError
from research.themes.model_io import (DEFAULT_MODEL_DIR, SKLEARN_TYPES, TRUSTED_TYPES,
                                      import_skops, load_model)
from tests.crafted_models import call_node, hide_node
from tests.helpers import run_cli


def copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, target)
    return target


@pytest.mark.parametrize("module,name,make_args", [
    ("builtins", "exec", lambda m: (f"open({str(m)!r}, 'w').write('owned')",)),
    ("builtins", "eval", lambda m: (f"open({str(m)!r}, 'w').write('owned')",)),
    ("builtins", "getattr", lambda m: ("x", "upper")),
    ("builtins", "__import__", lambda m: ("os",)),
    ("os", "system", lambda m: (f"touch {m}",)),
    ("subprocess", "Popen", lambda m: (["touch", str(m)],)),
])
def test_hidden_code_node_is_refused_before_it_runs(tmp_path, module, name, make_args):
    model_dir = copy_model(tmp_path)
    marker = tmp_path / "owned"
    hide_node(model_dir, call_node(module, name, *make_args(marker)))
    with pytest.raises(InputError, match=rf"untrusted types: .*{module}\.{name}"):
        load_model(model_dir)
    assert not marker.exists()


def test_hidden_exec_node_through_classify_exits_without_running(tmp_path):
    model_dir = copy_model(tmp_path)
    marker = tmp_path / "owned"
    hide_node(model_dir, call_node("builtins", "exec", f"open({str(marker)!r}, 'w')"))
    done = run_cli("classify", "-", "--model", str(model_dir),
                   stdin="城乡教师交流轮岗制度全面推行，每年交流比例不低于百分之十。".encode())
    assert done.returncode == 2
    assert not marker.exists()
    assert done.stderr.count("\n") == 1 and "builtins.exec" in done.stderr
    assert "Traceback" not in done.stderr


def test_trusted_types_are_exactly_what_trained_models_contain(tmp_path):
    """Every model kind this package saves loads with the lists, and needs all of them."""
    sio = import_skops()
    from research.themes.classifier import KeywordBaseline, ThemeClassifier

    texts = ["学校经费投入增加", "教师编制补充到位", "校舍建设改造完成", "城乡教育均衡发展"] * 6
    labels = np.array([[1, 0], [0, 1], [1, 0], [0, 1]] * 6)
    keywords = {"a": ["经费"], "b": ["教师"]}

    def embedder(batch):  # stands in for MemoEmbedder, which is never saved either
        rows = np.array([[len(t), t.count("教")] for t in batch], dtype=float)
        return np.tile(rows, (1, 192))  # e5's 384 dimensions, as the prototypes need

    queries = {"a": ["经费投入与保障"], "b": ["教师队伍建设"]}

    seen: set[str] = set()
    for model in (KeywordBaseline(["a", "b"], keywords),
                  ThemeClassifier(["a", "b"], keywords, inner_folds=2, embedder=embedder,
                                  queries=queries,
                                  features=("words", "chars", "keywords", "keyword_terms",
                                            "embeddings", "prototypes"))):
        path = tmp_path / f"{type(model).__name__}.skops"
        sio.dump(model.fit(texts, labels), path)
        seen |= set(sio.get_untrusted_types(file=path))
    assert seen == TRUSTED_TYPES | SKLEARN_TYPES


def test_skops_trusts_no_scikit_learn_type_of_its_own() -> None:
    """skops' default list (every scikit-learn estimator) is empty here: a model may hold only
    the scikit-learn classes SKLEARN_TYPES names, exactly."""
    import_skops()
    import skops.io._trusted_types as skops_defaults

    assert skops_defaults.SKLEARN_ESTIMATOR_TYPE_NAMES == []


def fresh_python(code: str) -> str:
    """Standard output of ``code`` run by a fresh interpreter (nothing imported yet)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True).stdout.strip()


def test_importing_skops_from_two_threads_leaves_scikit_learn_as_it_was() -> None:
    code = ("import threading, sklearn.utils as u; from research.themes.model_io import "
            "import_skops; listed = u.all_estimators; "
            "ts = [threading.Thread(target=import_skops) for _ in range(4)]; "
            "[t.start() for t in ts]; [t.join() for t in ts]; "
            "import skops.io._trusted_types as d; "
            "print(u.all_estimators is listed, len(u.all_estimators()) > 100, "
            "len(d.SKLEARN_ESTIMATOR_TYPE_NAMES))")
    for _ in range(3):  # the race showed in 5 of 6 runs before the lock
        assert fresh_python(code) == "True True 0"


def test_skops_imported_first_elsewhere_trusts_no_more(tmp_path) -> None:
    """A notebook that imported skops before the package: the same exact-name policy."""
    model_dir = copy_model(tmp_path)
    code = ("import skops.io, sklearn.preprocessing as p; "
            "from research.themes.model_io import load_model; "
            f"m, _ = load_model({str(model_dir)!r}); m.stray_ = p.FunctionTransformer(); "
            f"skops.io.dump(m, {str(model_dir / 'model.skops')!r}); "
            "from research.errors import InputError\n"
            f"try:\n    load_model({str(model_dir)!r}); print('loaded')\n"
            "except InputError as e:\n    print('refused', 'FunctionTransformer' in str(e))")
    assert fresh_python(code) == "refused True"


@pytest.mark.parametrize("estimator", ["FunctionTransformer", "StandardScaler"])
def test_a_scikit_learn_type_our_models_do_not_use_is_refused(tmp_path, estimator):
    """skops would trust these by default; a model folder holding one is refused by name."""
    sio = import_skops()
    import sklearn.preprocessing

    model_dir = copy_model(tmp_path)
    model, _ = load_model(model_dir)
    model.stray_ = getattr(sklearn.preprocessing, estimator)()
    sio.dump(model, model_dir / "model.skops")
    with pytest.raises(InputError, match=rf"untrusted types: .*sklearn\.preprocessing\..*"
                                         rf"{estimator}"):
        load_model(model_dir)


def edit_meta(model_dir: Path, **changes: object) -> None:
    path = model_dir / "model.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def shipped_themes() -> list[str]:
    return json.loads((DEFAULT_MODEL_DIR / "model.json").read_text(encoding="utf-8"))["themes"]


@pytest.mark.parametrize("themes", [
    lambda t: list(reversed(t)),
    lambda t: t[:-1],
    lambda t: t + ["extra"],
    lambda t: "".join(t),
])
def test_theme_list_that_does_not_fit_the_model_is_refused(tmp_path, themes):
    model_dir = copy_model(tmp_path)
    edit_meta(model_dir, themes=themes(shipped_themes()))
    with pytest.raises(InputError, match="model.json"):
        load_model(model_dir)


def test_edited_codebook_is_refused(tmp_path):
    model_dir = copy_model(tmp_path)
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    meta["codebook"]["themes"][0]["keywords"].append("学校")
    edit_meta(model_dir, codebook=meta["codebook"])
    with pytest.raises(InputError, match="codebook_hash"):
        load_model(model_dir)


def test_model_json_without_themes_names_the_key(tmp_path):
    model_dir = copy_model(tmp_path)
    edit_meta(model_dir, themes=None)
    done = run_cli("classify", "-", "--model", str(model_dir), stdin="教师交流轮岗。".encode())
    assert done.returncode == 2
    assert "model.json" in done.stderr and "'themes'" in done.stderr
    assert "unexpected" not in done.stderr and done.stderr.count("\n") == 1


def test_shipped_model_loads_and_scores_its_themes():
    model, meta = load_model()
    scores = model.predict_proba(["城乡教师交流轮岗，补充农村学校教师编制。"])
    assert scores.shape == (1, len(meta["themes"]))
    assert meta["themes"][int(np.argmax(scores))] == "staffing"


def test_a_keyword_model_tags_through_classify(tmp_path):
    """Every model kind decides through its own rule: the keyword baseline's thresholds are
    counts, and re-applying them to probabilities once made it tag nothing."""
    from research.themes.classifier import KeywordBaseline
    from research.themes.codebook import load_codebook
    from research.themes.labels import load_labels
    from research.themes.model_io import save_model
    from tests.conftest import ROOT

    codebook = load_codebook(ROOT / "configs/themes.yaml")
    rows = load_labels(ROOT / "seeds/labels/labels.jsonl", ROOT / "configs/themes.yaml")
    labels = np.array([[int(t in r.labels) for t in codebook.ids] for r in rows])
    model = KeywordBaseline(codebook.ids, codebook.keywords()).fit([r.text for r in rows], labels)
    folder = save_model(model, tmp_path / "keywords", {
        "name": "keywords", "features": [], "themes": codebook.ids,
        "thresholds": [float(t) for t in model.thresholds_],
        "codebook": codebook.model_dump(mode="json")})
    text = "实施乡村教师支持计划，推进城乡教师交流轮岗，补充农村学校教师编制，提高教师待遇。"
    done = run_cli("classify", "-", "--model", str(folder), stdin=text.encode())
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.splitlines()[0])
    assert row["themes"] == [t for t, on in zip(codebook.ids, model.predict([text])[0]) if on]
    assert "staffing" in row["themes"]


def test_model_install_copies_a_checked_model_and_refuses_a_crafted_one(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    copy_model(run_dir)  # run/model, as a classifier run leaves it
    target = tmp_path / "installed"
    done = run_cli("model", "install", str(run_dir), "--to", str(target))
    assert done.returncode == 0, done.stderr
    shipped_name = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text(encoding="utf-8"))["name"]
    assert f"installed {shipped_name} " in done.stdout and str(target) in done.stdout
    for name in ("model.json", "model.skops"):
        assert (target / name).read_bytes() == (DEFAULT_MODEL_DIR / name).read_bytes()
    marker = tmp_path / "owned"
    hide_node(run_dir / "model", call_node("builtins", "exec", f"open({str(marker)!r}, 'w')"))
    done = run_cli("model", "install", str(run_dir), "--to", str(target))
    assert done.returncode == 2 and "untrusted types" in done.stderr and not marker.exists()
    assert (target / "model.skops").read_bytes() == (DEFAULT_MODEL_DIR / "model.skops").read_bytes()


def test_a_config_no_longer_installs_models_as_a_side_effect(tmp_path):
    from research.errors import ConfigError
    from research.runner import load_experiment
    from tests.conftest import ROOT

    text = (ROOT / "configs/classifier.yaml").read_text(encoding="utf-8")
    path = tmp_path / "classifier.yaml"
    path.write_text(text + "install_to: research/resources/theme_model\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="research model install"):
        load_experiment(path)
