"""urbis: customer information and billing for smart utilities and the cities they serve."""

import os

# Polars sizes its thread pool once, when it is first imported. urbis runs its parallel work as
# threads of its own (a bill run loads and rates one batch while it writes another) and as
# processes (the partition pool, Dask workers), so each process keeps one Polars thread unless
# the operator sets POLARS_MAX_THREADS (ADR 0078).
os.environ.setdefault("POLARS_MAX_THREADS", "1")
