"""How much of the topics' top words is genre, filler or place names, with and without pruning.

Fits tomotopy LDA (the default config's settings) on the seed corpus over several random seeds
for each vocabulary setting, and counts the top-word slots taken by words of each kind, judged
against the unpruned corpus: genre words (in more than 20% of paragraphs), filler (numerals,
time words, adverbs, pronouns … by jieba's tags), and place names.

    python experiments/vocabulary_effect.py [--seeds 1 2 3] [--k 10]
"""

from __future__ import annotations

import argparse

from research.config import CorpusConfig, LDAModelConfig, VocabularyConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.tokenize import ChineseTokenizer
from research.corpus.vocabulary import commonest_tags, genre_words, place_names, words_to_drop
from research.config import FILLER_TAGS
from research.metrics.coherence import CoherenceScorer
from research.topics.lda import fit_lda

SETTINGS = {
    "none": VocabularyConfig(drop_pos=[], drop_place_names=False, max_doc_share=None),
    "genre": VocabularyConfig(drop_pos=[], drop_place_names=False),
    "genre+filler": VocabularyConfig(drop_place_names=False),
    "default (genre+filler+place)": VocabularyConfig(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    corpus = build_corpus_from_folder("seeds/raw", CorpusConfig())
    texts = [p.text for p in corpus.paragraphs]
    tokenizer = ChineseTokenizer()
    tokens = tokenizer.tokenize_all(texts)
    tags = commonest_tags(texts, tokenizer)
    kinds = {"genre": genre_words(tokens, 0.2), "place": place_names(tags),
             "filler": {w for w, t in tags.items() if t in FILLER_TAGS}}
    full_scorer = CoherenceScorer(tokens, args.k)
    print(f"{'vocabulary':30} {'genre':>6} {'filler':>6} {'place':>6} {'NPMI (full ref.)':>17}")
    for name, config in SETTINGS.items():
        drop = {w for words in words_to_drop(texts, tokens, tokenizer, config).values()
                for w in words}
        pruned = [[w for w in paragraph if w not in drop] for paragraph in tokens]
        model = LDAModelConfig(kind="lda", k=args.k)
        slots = {kind: 0 for kind in kinds}
        total, npmi = 0, []
        for seed in args.seeds:
            result = fit_lda("lda", pruned, model, seed, {"k": args.k}, {}, 10)
            for topic in result.topics:
                total += len(topic.words)
                for kind, words in kinds.items():
                    slots[kind] += sum(w in words for w in topic.words)
            npmi.append(full_scorer.npmi(result.topics))
        shares = " ".join(f"{slots[k] / total:6.1%}" for k in kinds)
        print(f"{name:30} {shares} {sum(npmi) / len(npmi):17.3f}")


if __name__ == "__main__":
    main()
