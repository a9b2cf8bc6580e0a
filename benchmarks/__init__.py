"""Benchmarks of the registry at network scale: ``python -m benchmarks.run`` (``make bench``)."""
