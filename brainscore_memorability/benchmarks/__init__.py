"""Benchmarks: IT predictivity in a time window of the response (early 70-100 ms, late 180-210 ms)."""
