"""Research toolkit for Chinese reports on urban–rural compulsory-education balance.

Corpus building, topic-model comparison, theme classification and offline reports.
"""

__version__ = "0.1.0"
