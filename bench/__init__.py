"""Benchmarks of govplus (not part of the product; see bench/README.md)."""
