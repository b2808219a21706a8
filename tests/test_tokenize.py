"""Tokens for the models: domain terms kept whole, stopwords, numbers and single chars gone."""

from __future__ import annotations

import pickle

from research.config import TokenizeConfig
from research.corpus.tokenize import ChineseTokenizer
from tests.conftest import seed_file


def test_domain_terms_survive_as_single_tokens() -> None:
    tokens = ChineseTokenizer()("关爱留守儿童和随迁子女,落实生均公用经费,推进集团化办学和交流轮岗。")
    for term in ("留守儿童", "随迁子女", "生均公用经费", "集团化办学", "交流轮岗"):
        assert term in tokens


def test_genre_words_numbers_and_single_characters_are_filtered(corpus) -> None:  # noqa: ANN001
    tokenizer = ChineseTokenizer()
    banned = {"发展", "教育", "均衡", "推进", "加强", "提高", "工作", "促进", "实现", "积极",
              "进一步", "我们", "一个"}
    for paragraph in corpus.paragraphs[:200]:
        tokens = tokenizer(paragraph.text)
        assert not banned & set(tokens)
        assert all(len(t) >= 2 and not t.isdigit() for t in tokens)


def test_extra_stopwords_from_config_and_pickling() -> None:
    tokenizer = ChineseTokenizer(TokenizeConfig(extra_stopwords=["留守儿童"]))
    assert "留守儿童" not in tokenizer("关爱留守儿童")
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert clone("关爱留守儿童的成长") == tokenizer("关爱留守儿童的成长")


def test_dictionary_copied_from_jieba_tokenizes_like_a_fresh_load() -> None:
    from research.corpus.tokenize import quiet_jieba

    jieba = quiet_jieba()
    tokenizer = ChineseTokenizer(TokenizeConfig())
    fresh = jieba.Tokenizer()  # loads the default dictionary itself
    fresh.load_userdict(str(tokenizer.user_dict_path))
    text = seed_file("003").read_text(encoding="utf-8")
    assert tokenizer.jieba.lcut(text) == fresh.lcut(text)
    domain = [w for w in tokenizer.jieba.FREQ if w not in jieba.dt.FREQ]
    assert domain, "the domain dictionary adds words"
    assert tokenizer.jieba.FREQ is not jieba.dt.FREQ  # they stay out of jieba's own
