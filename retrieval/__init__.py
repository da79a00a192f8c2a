"""Retrieval: questions into full-text queries, passages out of documents, rankings fused.

A library: it knows no chat platform, no feature and no language model. Features index their
own tables with `fulltext` and the knowledge feature ranks what they return with `ranking`.
"""
