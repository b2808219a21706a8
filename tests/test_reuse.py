"""Text reused across reports, found with MinHash LSH (datasketch) and checked exactly."""

from __future__ import annotations

from research.config import CorpusConfig, DedupConfig
from research.corpus.pipeline import Corpus, build_corpus_from_folder
from tests.helpers import ROOT
from research.corpus.reuse import (
    REUSED_PARAGRAPH_SHARE,
    Passage,
    ParagraphRef,
    ReuseIndex,
    find_reuse,
    is_reused,
    report_key,
    reused_share,
    sentence_passages,
)


def refs(corpus: Corpus) -> list[ParagraphRef]:
    return [ParagraphRef(p.id, report_key(p.doc, p.title), p.text) for p in corpus.paragraphs]


def test_central_policy_sentences_copied_between_seed_reports_are_found() -> None:
    """As `research reuse` does: every copy counts, so the corpus keeps its duplicates."""
    corpus = build_corpus_from_folder(ROOT / "seeds" / "raw",
                                      CorpusConfig(dedup=DedupConfig(enabled=False)))
    pairs = find_reuse(sentence_passages(refs(corpus)))
    copied = [p for p in pairs if p.later.text.startswith("加强省级政府统筹,强化以县为主管理")]
    assert copied and copied[0].jaccard == 1.0
    assert all(p.earlier.report != p.later.report for p in pairs)
    order = {p.id: i for i, p in enumerate(corpus.paragraphs)}
    assert all(order[p.earlier.id.rsplit(":", 1)[0]] <= order[p.later.id.rsplit(":", 1)[0]]
               for p in pairs)


def test_reuse_within_one_report_is_not_counted() -> None:
    text = "建立城乡一体化义务教育发展机制,在财政拨款、学校建设、教师配置等方面向农村倾斜。"
    same = [Passage("a", "r1", text), Passage("b", "r1", text)]
    other = [Passage("a", "r1", text), Passage("b", "r2", text + "并加强督导。")]
    assert find_reuse(same) == []
    assert [(p.earlier.id, p.later.id) for p in find_reuse(other)] == [("a", "b")]


def test_reused_share_counts_the_characters_of_copied_sentences() -> None:
    copied = "建立城乡一体化义务教育发展机制,在财政拨款、学校建设、教师配置等方面向农村倾斜。"
    own = "我县今年新建了三所寄宿制学校,解决了偏远山区学生的上学难题。"
    paragraphs = [ParagraphRef("p1", "r1", copied), ParagraphRef("p2", "r2", own + copied)]
    shares = reused_share(paragraphs, find_reuse(sentence_passages(paragraphs)))
    assert shares["p1"] == 0.0
    assert abs(shares["p2"] - len(copied) / len(own + copied)) < 1e-9


def test_streamed_reuse_matches_the_whole_corpus_pass_on_the_seeds(corpus: Corpus) -> None:
    """`research classify --without-reused` flags paragraphs as reports stream in; the shares
    are those of find_reuse + reused_share over the whole corpus, and some seed paragraphs
    (central-policy wording) count as reused."""
    paragraphs = refs(corpus)
    whole = reused_share(paragraphs, find_reuse(sentence_passages(paragraphs)))
    index = ReuseIndex()
    assert {p.id: index.share(p) for p in paragraphs} == whole
    assert 0 < sum(map(is_reused, whole.values())) < 10


def test_a_paragraph_is_reused_from_half_of_its_text() -> None:
    assert REUSED_PARAGRAPH_SHARE == 0.5
    assert is_reused(0.5) and is_reused(1.0) and not is_reused(0.49) and not is_reused(0.0)
