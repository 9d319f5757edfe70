"""Benchmarks of the pipeline's stages on large, realistic inputs built in memory."""
