"""Deterministic synthetic portfolios, results and applications of any size, for tests and benchmarks."""
