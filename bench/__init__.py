"""Benches and fixture writers (run from the repo root: ``python -m bench.throughput``)."""
