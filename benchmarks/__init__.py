"""Benchmarks run by hand against a real PostgreSQL: ``python -m benchmarks.queue``."""
