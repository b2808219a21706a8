"""Metrics that score a :class:`TopicResult` only, so LDA and BERTopic are measured alike."""
