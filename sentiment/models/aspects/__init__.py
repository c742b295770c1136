"""Aspects: which of a set's categories (口味, 配送速度 …) a review talks about, how it feels about each,
and the words that say so."""
