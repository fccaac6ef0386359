"""
Benchmarks of urbis: each module is a script that prints JSON (``python -m benchmarks.<name>``).

``urbis`` is imported before anything else so that a benchmark runs with the process settings
urbis gives itself, as the ``urbis`` command does (one Polars thread, ADR 0078): Polars sizes its
thread pool when it is first imported.
"""

import urbis  # noqa: F401  (before Polars: see above)
