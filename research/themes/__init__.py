"""Themes of the codebook: data, hand labels, classifier."""
