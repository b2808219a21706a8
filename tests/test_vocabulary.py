"""Vocabulary pruning for the topic models, on the seed corpus."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from research.config import VocabularyConfig
from research.corpus.tokenize import ChineseTokenizer
from research.corpus.vocabulary import (commonest_tags, genre_words, place_names,
                                        words_to_drop)


@pytest.fixture(scope="module")
def seed_text(corpus):  # type: ignore[no-untyped-def]
    texts = [p.text for p in corpus.paragraphs]
    tokenizer = ChineseTokenizer()
    return texts, tokenizer.tokenize_all(texts), tokenizer


def test_genre_words_are_exactly_those_above_the_document_share(seed_text) -> None:
    _, tokens, _ = seed_text
    share = Counter(w for paragraph in tokens for w in set(paragraph))
    found = genre_words(tokens, 0.25)
    assert "学校" in found and "农村" in found
    assert found == {w for w, n in share.items() if n > 0.25 * len(tokens)}
    assert genre_words(tokens, 1.0) == set()


def test_place_names_keep_urban_and_rural_words(seed_text) -> None:
    texts, _, tokenizer = seed_text
    places = place_names(commonest_tags(texts, tokenizer))
    assert {"涡阳县", "桥西区", "石家庄市", "涡阳", "桥西"} <= places
    # words jieba also tags as places but which carry the study's meaning stay
    assert not {"城市", "城镇", "山区", "农村", "乡村"} & places


def test_words_to_drop_by_reason_and_off_switches(seed_text) -> None:
    texts, tokens, tokenizer = seed_text
    dropped = words_to_drop(texts, tokens, tokenizer, VocabularyConfig())
    assert set(dropped) >= {"genre", "place", "pos:m"}
    assert "万元" in dropped["pos:m"]
    off = VocabularyConfig(drop_pos=[], drop_place_names=False, max_doc_share=None)
    assert words_to_drop(texts, tokens, tokenizer, off) == {}


def test_excluding_tokenizer_drops_the_words_and_survives_pickling(seed_text) -> None:
    texts, tokens, tokenizer = seed_text
    text = next(t for t, words in zip(texts, tokens) if "学校" in words and "教师" in words)
    pruned = tokenizer.excluding({"学校"})
    assert "学校" not in pruned(text) and "教师" in pruned(text)
    assert tokenizer.excluded == frozenset()  # the original is unchanged
    copy = pickle.loads(pickle.dumps(pruned))
    assert copy(text) == pruned(text)


def test_pruning_that_leaves_nothing_is_one_line_naming_vocabulary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """max_doc_share so low that every word goes: refused before fitting, nothing written."""
    from tests.conftest import seed_file
    from tests.helpers import run_cli

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / seed_file("002").name).write_bytes(seed_file("002").read_bytes())
    config = tmp_path / "c.yaml"
    config.write_text(f"kind: topics\nname: v\ncorpus: {{folder: {seeds}}}\nrandom_seeds: [1]\n"
                      f"output: {tmp_path / 'results'}\nvocabulary: {{max_doc_share: 0.001}}\n"
                      "models:\n  - {kind: lda, k: 3, iterations: 20}\n", encoding="utf-8")
    done = run_cli("run", str(config))
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert lines[-1].startswith(f"error: {config}: key 'vocabulary': leaves no word")
    assert not list((tmp_path / "results").glob("v/2*"))
