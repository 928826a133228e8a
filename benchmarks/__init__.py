"""`make bench`: performance figures for the README (measured, never asserted).

Not part of the installed package: run from the project root with ``python -m benchmarks``.
"""
