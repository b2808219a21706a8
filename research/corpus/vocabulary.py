"""Which words the topic models should not see, decided from the corpus itself.

Genre words (学校, 农村 in a corpus about rural schools) fill every topic's top words, filler
(numerals, time words, adverbs) carries no theme, and place names (桥西区, 涡阳县) make topics
that cluster reports instead of themes. Each is found here from the corpus, and the words
dropped are saved in the run, so a reader can see exactly what the models never saw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from research.config import VocabularyConfig
from research.corpus.tokenize import ChineseTokenizer

#: Administrative units: a word tagged as a place that ends with one is a proper place name.
ADMIN_SUFFIXES = ("省", "市", "县", "区", "州")


def commonest_tags(texts: Sequence[str], tokenizer: ChineseTokenizer) -> dict[str, str]:
    """Each kept word's commonest jieba part-of-speech tag over the corpus."""
    import jieba.posseg

    tagger = jieba.posseg.POSTokenizer(tokenizer.jieba)
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for pair in tagger.lcut(text, HMM=tokenizer.config.hmm):
            word = pair.word.strip()
            if tokenizer.keep(word):
                counts[(word, pair.flag)] += 1
    tags: dict[str, str] = {}
    for (word, flag), _ in counts.most_common():
        tags.setdefault(word, flag)
    return tags


def place_names(tags: dict[str, str]) -> set[str]:
    """Words tagged ``ns`` ending in an administrative unit (涡阳县), and their short forms
    where these also occur as words (涡阳)."""
    full = {w for w, flag in tags.items()
            if flag == "ns" and len(w) >= 3 and w.endswith(ADMIN_SUFFIXES)}
    short = {w[:-1] for w in full} | {w[:-2] for w in full if len(w) >= 4}
    return full | {w for w in short if len(w) >= 2 and w in tags}


def genre_words(tokens: Sequence[Sequence[str]], max_doc_share: float) -> set[str]:
    """Words in more than ``max_doc_share`` of the paragraphs."""
    document_frequency = Counter(w for paragraph in tokens for w in set(paragraph))
    limit = max_doc_share * len(tokens)
    return {w for w, count in document_frequency.items() if count > limit}


def words_to_drop(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                  tokenizer: ChineseTokenizer, config: VocabularyConfig
                  ) -> dict[str, list[str]]:
    """Reason (``genre``, ``place``, ``pos:<tag>``) → sorted words to drop."""
    dropped: dict[str, set[str]] = {}
    if config.max_doc_share is not None:
        dropped["genre"] = genre_words(tokens, config.max_doc_share)
    if config.drop_pos or config.drop_place_names:
        tags = commonest_tags(texts, tokenizer)
        if config.drop_place_names:
            dropped["place"] = place_names(tags)
        for tag in config.drop_pos:
            dropped[f"pos:{tag}"] = {w for w, flag in tags.items() if flag == tag}
    return {reason: sorted(words) for reason, words in dropped.items() if words}
