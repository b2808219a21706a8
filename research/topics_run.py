"""`research run` for kind: topics — LDA against BERTopic on the same paragraphs.

Steps: build corpus → tokens → (embeddings) → fit every sweep point for every seed → metrics
(identical code for both models) → run folder with manifest, topics, assignments, metrics and a
markdown comparison.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from research.config import BERTopicModelConfig, LDAModelConfig, TopicsExperiment
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.read import list_documents
from research.corpus.tokenize import ChineseTokenizer
from research.corpus.vocabulary import words_to_drop
from research.comparison import add_flags, comparison_markdown, describe, score
from research.metrics.coherence import CoherenceScorer
from research.metrics.verdict import verdict
from research.run_folder import layout, write
from research.run_folder.create import RunContext, Timer, files_hash, new_manifest, run_folder
from research.registry import KINDS, BuildContext
from research.size_checks import check_models_fit_corpus, check_vocabulary_left
from research.corpus.reuse import ParagraphRef, report_key, reused_flags
from research.topic_prevalence import topic_prevalence
from research.topics.base import TopicModel, TopicResult
from research.topics.embeddings import embed_batches

SWEEPABLE = {"k", "alpha", "eta", "passes", "iterations", "n_neighbors", "n_components",
             "min_dist", "min_cluster_size"}
@dataclass
class SweepPoint:
    """One setting of a sweep: a readable name, the values swept to, the config at that point.

    ``config`` is the model's validated config with every swept list replaced by one value:
    it is the settings the model is built from.
    """

    name: str
    swept: dict[str, Any]
    config: LDAModelConfig | BERTopicModelConfig

    @property
    def params(self) -> dict[str, Any]:
        """All settings of the point, as saved with its topics and metrics."""
        values = self.config.model_dump(mode="json", exclude={"kind", "name", "embedding"})
        if isinstance(self.config, BERTopicModelConfig):
            values["embedding"] = self.config.embedding.backend
            if self.config.embedding.model:
                values["embedding_model"] = self.config.embedding.model
        return values


def expand_sweep(config: LDAModelConfig | BERTopicModelConfig) -> list[SweepPoint]:
    """Every combination of the list-valued numeric settings."""
    swept = {k: v for k in SWEEPABLE if isinstance(v := getattr(config, k, None), list)}
    points = []
    for combo in itertools.product(*swept.values()) if swept else [()]:
        chosen = dict(zip(swept, combo))
        label = ",".join(f"{k}={v}" for k, v in chosen.items())
        points.append(SweepPoint(f"{config.name}[{label}]" if label else config.name, chosen,
                                 config.model_copy(update=chosen)))
    return points


def build_model(point: SweepPoint, tokenizer: ChineseTokenizer,
                experiment: TopicsExperiment) -> TopicModel:
    """The configured topic model of one sweep point, built by its kind's registry entry."""
    context = BuildContext(tokenizer, experiment.themes, experiment.top_n)
    return KINDS[point.config.kind].build(point.name, point.config, point.params, context)


def embedding_key(config: BERTopicModelConfig) -> str:
    return f"{config.embedding.backend}:{config.embedding.model or ''}"


def embed_for_models(experiment: TopicsExperiment, texts: list[str], say: Any, timer: Timer
                     ) -> tuple[dict[str, Any], dict[str, bool]]:
    """Embeddings for each distinct embedding setting the models need, and whether each came
    whole from the cache. Batches are cached as they finish (an interrupted run resumes) and
    computed on the config's Dask cluster (``cluster:``) when it names one."""
    from research.cluster import dask_client

    needed = {embedding_key(m): m.embedding for m in experiment.models
              if KINDS[m.kind].needs_embeddings}
    embeddings: dict[str, Any] = {}
    cache_hits: dict[str, bool] = {}
    if not needed:
        return embeddings, cache_hits
    with dask_client(experiment.cluster.workers, experiment.cluster.scheduler) as client:
        for key, setting in needed.items():
            say(f"embedding with {setting.backend} (batches cached as they finish)")
            with timer.stage("embed"):
                vectors, stats = embed_batches(texts, setting.backend, setting.model,
                                               setting.cache_dir, client=client,
                                               device=setting.device)
            if stats.loaded:
                say(f"embedding: {stats.loaded} batches from the cache, {stats.computed} "
                    "computed")
            embeddings[key] = vectors
            cache_hits[key] = stats.computed == 0
    return embeddings, cache_hits


def lda_terms(results: list[TopicResult], tokens: list[list[str]]) -> dict[str, Any]:
    """Per setting (first seed): p(w|t) of top terms (BERTopic: its c-TF-IDF row scaled to
    sum to 1), topic prevalence and p(w), for the relevance view."""
    counts: dict[str, int] = {}
    for doc in tokens:
        for word in doc:
            counts[word] = counts.get(word, 0) + 1
    total = sum(counts.values()) or 1
    models: dict[str, Any] = {}
    for r in results:
        if not r.term_table or r.name in models:
            continue
        words = {w for terms in r.term_table["terms"].values() for w, _ in terms}
        models[r.name] = {"seed": r.seed, **r.term_table,
                          "term_freq": {w: counts.get(w, 0) / total for w in sorted(words)}}
    return {"models": models}


def map_2d(vectors: Any, seed: int) -> Any:
    """2-D UMAP of the paragraph embeddings, for the paragraph map in the report."""
    from umap import UMAP

    return UMAP(n_neighbors=15, n_components=2, min_dist=0.1, metric="cosine",
                random_state=seed).fit_transform(vectors)


@dataclass
class Inputs:
    """What a topics run reads before fitting: raw files, hand labels, theme order."""

    files: list[Path]
    label_rows: list[Any]
    theme_order: list[str]
    tokenizer: ChineseTokenizer
    codebook: Any = None  # saved into the run, so its report never reads the checkout
    metadata: Any = None  # corpus.metadata read and checked, when prevalence_by needs it


def check_prevalence_by(experiment: TopicsExperiment, files: list[Path]) -> Any:
    """The corpus's metadata table when ``prevalence_by`` names columns; each must be one of
    its columns (one ConfigError naming the key and the column)."""
    from research.corpus.metadata import load_metadata
    from research.errors import ConfigError

    if not experiment.prevalence_by or experiment.corpus.metadata is None:
        return None
    table = load_metadata(experiment.corpus.metadata, [Path(f).stem for f in files])
    for column in experiment.prevalence_by:
        if column not in table.columns:
            raise ConfigError(f"{experiment.source}: key 'prevalence_by': '{column}' is not a "
                              f"column of {experiment.corpus.metadata} (its columns: "
                              f"{', '.join(table.columns) or 'none'})")
    return table


def check_inputs(experiment: TopicsExperiment) -> Inputs:
    """Everything that can fail cheaply fails here, before any fitting."""
    from research.themes.codebook import load_codebook
    from research.themes.labels import load_labels

    files = list_documents(experiment.corpus.folder)
    metadata = check_prevalence_by(experiment, files)
    rows = load_labels(experiment.labels, experiment.themes) if experiment.labels else []
    needs_codebook = rows or any(
        (isinstance(m, LDAModelConfig) and m.seeded)
        or (isinstance(m, BERTopicModelConfig) and m.guided) for m in experiment.models)
    codebook = (load_codebook(experiment.themes)
                if needs_codebook or Path(experiment.themes).is_file() else None)
    order = codebook.ids if needs_codebook and codebook else []
    tokenizer = ChineseTokenizer(experiment.corpus.tokenize)
    tokenizer("义务教育")  # loads the dictionaries now, so a bad path fails before fitting
    return Inputs(files, rows, order, tokenizer, codebook, metadata)


def run_topics(experiment: TopicsExperiment, context: RunContext) -> Path:
    """Run the experiment and return the finished run folder."""
    from research.errors import InputError
    from research.themes.labels import check_against_corpus

    say, bar, timer = context.say, context.bar, Timer()
    inputs = check_inputs(experiment)
    with timer.stage("corpus"):
        corpus = build_corpus_from_folder(experiment.corpus.folder, experiment.corpus,
                                          metadata=inputs.metadata)
    if corpus.errors:
        raise InputError(corpus.errors[0].path, corpus.errors[0].reason)
    paragraphs = corpus.paragraphs
    check_models_fit_corpus(experiment.models, len(paragraphs), experiment.source)
    labels: dict[str, list[str]] = {}
    if inputs.label_rows:
        applicable = check_against_corpus(inputs.label_rows, paragraphs, experiment.labels)
        labels = {row.id: row.labels for row in applicable}
    order = inputs.theme_order
    texts = [p.text for p in paragraphs]
    ids = [p.id for p in paragraphs]
    say(f"corpus: {len(paragraphs)} paragraphs from {len(corpus.documents)} documents")
    tokenizer = inputs.tokenizer
    with timer.stage("tokenize"):
        tokens = tokenizer.tokenize_all(texts)
    with timer.stage("vocabulary"):
        dropped = words_to_drop(texts, tokens, tokenizer, experiment.vocabulary)
        tokenizer = tokenizer.excluding(w for words in dropped.values() for w in words)
        tokens = [[w for w in paragraph if w not in tokenizer.excluded] for paragraph in tokens]
    check_vocabulary_left(tokens, len(tokenizer.excluded), experiment.source)
    say(f"vocabulary: {len(tokenizer.excluded)} words left out "
        f"({', '.join(f'{reason} {len(words)}' for reason, words in dropped.items()) or 'none'})")
    embeddings, cache_hits = embed_for_models(experiment, texts, say, timer)
    points = [pt for m in experiment.models for pt in expand_sweep(m)]
    results: list[TopicResult] = []
    total = len(points) * len(experiment.random_seeds)
    if bar:
        bar.start(total)
    for point in points:
        model = build_model(point, tokenizer, experiment)
        vectors = (embeddings[embedding_key(point.config)]  # type: ignore[arg-type]
                   if KINDS[point.config.kind].needs_embeddings else None)
        for seed in experiment.random_seeds:
            with timer.stage(f"fit_{point.config.kind}"):
                results.append(model.fit(texts, tokens, seed, vectors))
            if bar:
                bar.advance(f"{point.name} seed {seed}")
    say("scoring")
    with timer.stage("metrics"):
        rows = score(results, CoherenceScorer(tokens, experiment.top_n), ids, labels, order,
                     {p.name: p for p in points})
        add_flags(rows, results, [p.doc for p in paragraphs], [p.title for p in paragraphs],
                  experiment.diagnostics)
    with timer.stage("describe"):
        describe(results, ids, next(iter(embeddings.values()), None), documents=tokens)
    say("verdict (bootstrap intervals)")
    with timer.stage("verdict"):
        entries = (verdict(rows, results, tokens, top_n=experiment.top_n,
                           config=experiment.verdict)
                   if {r["kind"] for r in rows} >= {"lda", "bertopic"} else [])
    prevalence: dict[tuple[str, bool], Any] = {}
    if inputs.metadata is not None:
        with timer.stage("prevalence"):
            found = [inputs.metadata.lookup(p.doc, p.title) for p in paragraphs]
            units = [unit for unit, _ in found]
            variants = [(False, None)]
            if experiment.prevalence_without_reused:
                refs = [ParagraphRef(p.id, report_key(p.doc, p.title), p.text)
                        for p in paragraphs]
                variants.append((True, [not flag for flag in reused_flags(refs)]))
            prevalence = {(column, left_out): topic_prevalence(
                results, units, column, [values[column] for _, values in found], keep)
                for column in experiment.prevalence_by for left_out, keep in variants}
    with run_folder(context.root, experiment.name) as folder:
        work = folder.work
        write.write_corpus(work, paragraphs)
        write.write_topics(work, results)
        write.write_metrics(work, rows)
        write.write_assignments(work, ids, [p.doc for p in paragraphs], results,
                                [p.metadata for p in paragraphs])
        for (column, left_out), table in prevalence.items():
            write.write_prevalence(work, column, table, left_out)
        write.write_json(work / layout.VERDICT, {"verdict": entries})
        write.write_text(work, layout.COMPARISON, comparison_markdown(rows, entries))
        write.write_json(work / layout.LDA_TERMS, lda_terms(results, tokens))
        write.write_json(work / layout.VOCABULARY, {"dropped": dropped})
        if inputs.codebook is not None:
            write.write_codebook(work, inputs.codebook)
        if labels:
            write.write_themes(work, ((pid, labels[pid]) for pid in ids if pid in labels),
                               source="hand")
        if embeddings:
            with timer.stage("map_2d"):
                write.write_embedding_map(work, ids, map_2d(next(iter(embeddings.values())),
                                                            experiment.random_seeds[0]))
        write.write_manifest(work, new_manifest(
            "topics", experiment.model_dump(mode="json"), timer,
            random_seeds=experiment.random_seeds, corpus_hash=corpus.fingerprint(),
            raw_data_hash=files_hash(inputs.files), paragraphs=len(paragraphs),
            embedding_cache_hits=cache_hits, fits=len(results)))
        if context.finish:
            context.finish(folder)
    return folder.final
