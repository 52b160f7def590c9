"""Benchmarks: commands that print their figures (see the README)."""
