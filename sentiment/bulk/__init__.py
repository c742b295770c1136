"""Tagging whole files: reading and writing tables row by row, and adding the model's columns."""
