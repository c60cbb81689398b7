"""Benchmarks of the provider path against the PBS simulator (`python -m bench`, `make bench`).

See `bench/__main__.py` for the sections and profiles and docs/performance.md for
how to read the numbers.
"""
