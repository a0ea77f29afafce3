"""Support for checks against reference implementations (tests, benchmarks).

Nothing in the library imports this package; ``tools/`` and ``tests/`` do.
"""
