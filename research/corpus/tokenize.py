"""Chinese tokenisation for the topic models: jieba + domain dictionary + two stopword lists.

One :class:`ChineseTokenizer` serves LDA (bag of words) and BERTopic (inside its
CountVectorizer), so both models see exactly the same vocabulary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from research.config import RESOURCES_DIR, TokenizeConfig
from research.errors import ConfigError

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
NUMERIC = re.compile(r"^[\d.%,，．０-９一二三四五六七八九十百千万亿两几多余第xX]+$")


def with_default_dictionary(jieba):  # type: ignore[no-untyped-def]
    """A new jieba.Tokenizer holding a copy of jieba's default dictionary.

    Copied from the module's own tokenizer (which segmentation uses anyway) instead of
    loaded again: loading takes 0.7 s a process here, copying 0.03 s; the words and counts
    are the same, and the copy is this tokenizer's alone, so words added to it stay in it.
    """
    default = jieba.dt
    default.check_initialized()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dict(default.FREQ), default.total
    tokenizer.initialized = True
    return tokenizer


def quiet_jieba():  # type: ignore[no-untyped-def]
    """The jieba module with its start-up chatter silenced."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def read_word_list(path: Path) -> list[str]:
    """One word a line; blank lines and '#' comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read word list ({exc})") from None
    return [ln.split()[0] for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


class ChineseTokenizer:
    """Callable tokenizer: text -> filtered list of words.

    Holds its own jieba dictionary, so the domain terms never leak into other jieba users.
    """

    def __init__(self, config: TokenizeConfig | None = None,
                 excluded: frozenset[str] = frozenset()) -> None:
        self.config = config or TokenizeConfig()
        #: words dropped for this corpus only (genre words, place names …: see vocabulary)
        self.excluded = frozenset(excluded)

    def excluding(self, words: Iterable[str]) -> "ChineseTokenizer":
        """A tokenizer that also drops ``words`` (sharing this one's loaded dictionary)."""
        other = ChineseTokenizer(self.config, self.excluded | frozenset(words))
        if "_jieba" in self.__dict__:
            other.__dict__["_jieba"] = self.__dict__["_jieba"]
        return other

    @property
    def user_dict_path(self) -> Path:
        return Path(self.config.user_dict or RESOURCES_DIR / "userdict.txt")

    @cached_property
    def stopwords(self) -> frozenset[str]:
        words: set[str] = set(self.config.extra_stopwords)
        domain = self.config.domain_stopwords or RESOURCES_DIR / "domain_stopwords.txt"
        words.update(read_word_list(domain))
        if self.config.use_iso_stopwords:
            import stopwordsiso

            words.update(stopwordsiso.stopwords("zh"))
        return frozenset(words)

    @property
    def jieba(self):  # type: ignore[no-untyped-def]
        """This tokenizer's own jieba.Tokenizer (domain dictionary loaded)."""
        return self._jieba

    @cached_property
    def _jieba(self):  # type: ignore[no-untyped-def]
        if not self.user_dict_path.is_file():
            raise ConfigError(f"{self.user_dict_path}: user dictionary not found")
        tokenizer = with_default_dictionary(quiet_jieba())
        tokenizer.load_userdict(str(self.user_dict_path))
        return tokenizer

    def keep(self, token: str) -> bool:
        """Filter: Chinese, long enough, not a number, not a stopword."""
        return (len(token) >= self.config.min_token_chars
                and bool(HAS_CJK.search(token))
                and not (self.config.drop_numbers and NUMERIC.match(token))
                and token not in self.stopwords and token not in self.excluded)

    def __call__(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut(text, HMM=self.config.hmm) if self.keep(t.strip())]

    def tokenize_all(self, texts: Iterable[str]) -> list[list[str]]:
        return [self(text) for text in texts]

    def __getstate__(self) -> dict[str, object]:
        # Pickle (joblib, BERTopic) only the config; the jieba dictionary is rebuilt lazily.
        return {"config": self.config, "excluded": self.excluded}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.config = state["config"]  # type: ignore[assignment]
        self.excluded = state.get("excluded", frozenset())  # type: ignore[assignment]
