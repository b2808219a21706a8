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
from research.themes.codebook import load_codebook
from research.themes.embedder import MemoEmbedder
from research.themes.labels import check_against_corpus, load_labels
from research.themes.model_io import data_hash, load_model, save_model



def embedding_key(candidate: CandidateConfig) -> tuple[str, str | None]:
    return candidate.embedding.backend, candidate.embedding.model


def make_embedders(candidates: list[CandidateConfig]) -> dict[tuple[str, str | None],
                                                            MemoEmbedder]:
    """One remembering embedder per distinct embedding setting the candidates ask for."""
    return {embedding_key(c): MemoEmbedder(c.embedding.backend, c.embedding.model)
            for c in candidates if "embeddings" in c.features}


def make_candidate(candidate: CandidateConfig, themes: list[str],
                   keywords: dict[str, list[str]],
                   embedders: dict[tuple[str, str | None], MemoEmbedder]) -> Any:
    if candidate.kind == "keywords":
        return KeywordBaseline(themes, keywords)
    return ThemeClassifier(themes, keywords, features=tuple(candidate.features), C=candidate.C,
                           stack_keywords=candidate.stack_keywords,
                           max_char_features=candidate.max_char_features,
                           embedder=embedders.get(embedding_key(candidate))
                           if "embeddings" in candidate.features else None)


def measure_throughput(folder: Path, texts: list[str], rounds: int = 3) -> float:
    """Paragraphs per second from cold loads of the saved model: every round loads it afresh,
    so no round reuses another's tokens (a loaded model's tokenizer remembers nothing; only
    the read-only jieba dictionary is loaded once per process)."""
    start = time.perf_counter()
    for _ in range(rounds):
        model, _ = load_model(folder)
        model.predict_proba(texts)
    return round(len(texts) * rounds / (time.perf_counter() - start), 1)


def choose_default(experiment: ClassifierExperiment, scores: dict[str, Any]) -> str:
    if experiment.default != "best":
        return experiment.default
    fast = {n: s for n, s in scores.items()
            if s["paragraphs_per_second"] >= experiment.min_paragraphs_per_second}
    pool = fast or scores
    return max(pool, key=lambda n: (pool[n]["core_macro_f1"], pool[n]["macro_f1"]))


def comparison_markdown(scores: dict[str, Any], themes: list[str], default: str) -> str:
    header = ["candidate", "micro F1", "macro F1", "core macro F1"] + themes + ["par/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ranked = sorted(scores, key=lambda n: -scores[n]["core_macro_f1"])
    for name in ranked:
        s = scores[name]
        cells = [f"**{name}**" if name == default else name]
        cells += [f"{s[m]:.3f} ± {s[m + '_std']:.3f}"
                  for m in ("micro_f1", "macro_f1", "core_macro_f1")]
        cells += [f"{s['per_theme'][t]['f1']:.3f}" for t in themes]
        cells.append(f"{s['paragraphs_per_second']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return ("\n".join(lines) + f"\n\nF1 per theme is the mean over folds; thresholds are tuned "
            f"inside each training fold. Default model: **{default}**.\n")


def check_enough_examples(labels: np.ndarray, themes: list[str],
                          experiment: ClassifierExperiment) -> None:
    """Every theme needs positives and negatives in every fold (and the folds inside them)."""
    from research.errors import InputError

    needed = 2 * experiment.cv.folds
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
    if experiment.default != "best" and experiment.default not in {
            c.name for c in experiment.candidates}:
        from research.errors import ConfigError

        raise ConfigError(f"key 'default': no candidate named {experiment.default!r}")
    with timer.stage("corpus"):
        corpus = build_corpus_from_folder(experiment.corpus.folder, experiment.corpus)
    rows = check_against_corpus(rows, corpus.paragraphs, experiment.labels)
    themes = codebook.ids
    keywords = codebook.keywords()
    texts = [r.text for r in rows]
    labels = np.array([[int(t in r.labels) for t in themes] for r in rows])
    check_enough_examples(labels, themes, experiment)
    embedders = make_embedders(experiment.candidates)
    for (backend, _), embedder in embedders.items():
        say(f"embedding labeled paragraphs with {backend} (cached after the first run)")
        with timer.stage("embed"):
            embedder.warm(texts)
    from research.themes.evaluate import cross_validate

    folds = experiment.cv.folds * experiment.cv.repeats
    if bar:
        bar.start(folds * len(experiment.candidates))
    scores: dict[str, Any] = {}
    with run_folder(context.root, experiment.name) as folder:
        models_dir = folder.work / "candidates"
        for candidate in experiment.candidates:
            say(f"cross-validating {candidate.name}")
            with timer.stage(f"cv_{candidate.name}"):
                result = cross_validate(
                    lambda c=candidate: make_candidate(c, themes, keywords, embedders), texts,
                    labels, themes, experiment.cv.folds, experiment.cv.repeats,
                    experiment.cv.seed,
                    on_fold=(lambda n=candidate.name: bar.advance(n)) if bar else None)
            with timer.stage(f"train_{candidate.name}"):
                model = make_candidate(candidate, themes, keywords, embedders).fit(texts, labels)
            meta = model_meta(candidate, codebook, texts, [r.labels for r in rows], model,
                              result)
            save_model(model, models_dir / candidate.name, meta)
            result["paragraphs_per_second"] = measure_throughput(
                models_dir / candidate.name, [p.text for p in corpus.paragraphs])
            scores[candidate.name] = result
        default = choose_default(experiment, scores)
        shutil.copytree(models_dir / default, folder.work / layout.MODEL)
        shutil.rmtree(models_dir)
        with timer.stage("predict_corpus"):
            write_predictions(folder.work, corpus.paragraphs)
        write.write_json(folder.work / layout.CV_SCORES, {
            "default": default, "themes": themes,
            "models": {n: {k: v for k, v in s.items() if k != "fold_scores"}
                       for n, s in scores.items()}})
        write.write_codebook(folder.work, codebook)
        write.write_json(folder.work / layout.CV_FOLDS,
                         {n: s["fold_scores"] for n, s in scores.items()})
        write.write_text(folder.work, layout.COMPARISON,
                         comparison_markdown(scores, themes, default))
        write.write_manifest(folder.work, new_manifest(
            "classifier", experiment.model_dump(mode="json"), timer,
            random_seeds=[experiment.cv.seed], corpus_hash=corpus.fingerprint(),
            raw_data_hash=files_hash(files), labeled_paragraphs=len(rows), default=default))
        if context.finish:
            context.finish(folder)
    return folder.final


def write_predictions(work: Path, paragraphs: list[Any]) -> None:
    """The chosen model's themes for every corpus paragraph (for theme shares in the report)."""
    from research.themes.apply import classify_texts

    model, meta = load_model(work / layout.MODEL)
    decided = classify_texts(model, meta, [p.text for p in paragraphs])
    write.write_corpus(work, paragraphs)
    write.write_themes(work, ((p.id, themes) for p, (themes, _) in zip(paragraphs, decided)),
                       source="predicted")


def model_meta(candidate: CandidateConfig, codebook: Any, texts: list[str],
               labels: list[list[str]], model: Any, result: dict[str, Any]) -> dict[str, Any]:
    from research.run_folder.create import package_versions

    return {"name": candidate.name, "candidate": candidate.model_dump(mode="json"),
            "features": list(candidate.features) if candidate.kind == "logistic" else [],
            "embedding_backend": candidate.embedding.backend,
            "embedding_model": candidate.embedding.model,
            "themes": codebook.ids, "thresholds": [float(t) for t in model.thresholds_],
            "codebook": codebook.model_dump(mode="json"),
            "training_data_hash": data_hash(texts, labels), "trained_on": len(texts),
            "cv": {k: result[k] for k in ("micro_f1", "macro_f1", "core_macro_f1", "folds")},
            "versions": package_versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
